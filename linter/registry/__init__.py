"""Resolving image references against registries: tags to digests, pins checked, platforms listed.

The public API; importing it is cheap (httpx loads only when a run needs the network).

    options = RegistryOptions.from_config(config, no_cache=args.no_cache)
    answers, stats = resolve_with_stats(refs, options)   # {Reference: Resolution}, RunStats

Registry problems never raise: they become ``Resolution.error`` (not found, auth,
unreachable, invalid), and ``RunStats.registries_failed`` says which registries
failed and why, one line each. See docs/registry.md for the decisions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from linter.model import Resolution
from linter.reference import Reference
from linter.registry.errors import RegistryError
from linter.registry.options import RegistryOptions, default_cache_dir
from linter.registry.stats import RunStats

if TYPE_CHECKING:
    from linter.registry.details import ImageDetails, Wanted
    from linter.registry.resolution.ahead import HeadStart

__all__ = [
    "RegistryError",
    "RegistryOptions",
    "RunStats",
    "default_cache_dir",
    "inspect_sync",
    "resolve_all",
    "resolve_sync",
    "resolve_with_stats",
]


async def resolve_all(
    refs: Iterable[Reference],
    options: RegistryOptions,
    stats: RunStats | None = None,
    on_answer: Callable[[Reference, Resolution], None] | None = None,
    head: HeadStart | None = None,
) -> dict[Reference, Resolution]:
    """Resolve each unique reference once; fills ``stats`` when given, and calls
    ``on_answer(ref, resolution)`` as each answer arrives."""
    from linter.registry.resolution.resolver import resolve_references

    if stats is None:
        stats = RunStats(tracer=options.tracer)
    return await resolve_references(refs, options, stats, on_answer=on_answer, head=head)


def resolve_with_stats(
    refs: Iterable[Reference],
    options: RegistryOptions,
    on_answer: Callable[[Reference, Resolution], None] | None = None,
) -> tuple[dict[Reference, Resolution], RunStats]:
    """The one ``asyncio.run`` of a resolution run, with what the run did.

    References the cache answers whole are answered first, without the event loop
    (linter/registry/resolution/cached.py): a rerun over pinned files never loads it.
    From the first that needs more, the resolver takes over; that one's lookup is sent
    before asyncio and httpx load, when it can be (linter/registry/resolution/ahead.py)."""
    from linter.registry.cache.store import run_cache
    from linter.registry.resolution import cached
    from linter.registry.resolution.ahead import HeadStart, send_first

    stats = RunStats(tracer=options.tracer)
    cache = run_cache(options)
    answers: dict[Reference, Resolution] = {}
    pending = iter(refs)
    for first in pending:
        if first in answers:
            continue
        found = cached.answer(first, options, cache, stats) if cache is not None else None
        if found is None:
            break
        answers[first] = found
        if on_answer is not None:
            on_answer(first, found)
    else:
        return answers, stats
    head = HeadStart(cache, send_first(first, options, cache))
    import asyncio

    rest = itertools.chain((first,), (ref for ref in pending if ref not in answers))
    answers.update(asyncio.run(resolve_all(rest, options, stats, on_answer, head)))
    return answers, stats


def resolve_sync(
    refs: Iterable[Reference], options: RegistryOptions
) -> dict[Reference, Resolution]:
    return resolve_with_stats(refs, options)[0]


def inspect_sync(
    ref: Reference, options: RegistryOptions, wanted: Wanted | None = None
) -> tuple[ImageDetails, RunStats]:
    """What ``imagepin inspect`` shows about one image, and what the run did; raises
    RegistryError."""
    import asyncio

    from linter.registry.details import inspect

    stats = RunStats(tracer=options.tracer)
    return asyncio.run(inspect(ref, options, stats, wanted=wanted)), stats
