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

    The first reference's lookup is sent before asyncio and httpx load, when it can be
    (linter/registry/resolution/ahead.py): its answer is on its way meanwhile."""
    from linter.registry.resolution.ahead import head_start

    stats = RunStats(tracer=options.tracer)
    pending = iter(refs)
    first = next(pending, None)
    if first is None:
        return {}, stats
    head = head_start(first, options)
    import asyncio

    run = resolve_all(itertools.chain((first,), pending), options, stats, on_answer, head)
    return asyncio.run(run), stats


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
