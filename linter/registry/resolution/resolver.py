"""Reference -> Resolution: what the tag points to, whether the pin exists, the platforms.

The resolver asks; :class:`~linter.registry.resolution.answers.Answers` answers (the
cache first, then the registry, through its mirrors), and so do the policy facts
(linter.registry.facts.policy), which ask the same answers. Nothing calls back
into the resolver.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable

from linter.model import ErrorKind, PlatformEntry, Resolution
from linter.reference import Reference
from linter.registry.api.manifests import INDEX_TYPES
from linter.registry.errors import RegistryError, display_host, unexpected
from linter.registry.facts import policy
from linter.registry.facts.platforms import Platform, select
from linter.registry.options import BATCH_SCOPES, RegistryOptions
from linter.registry.resolution.ahead import HeadStart
from linter.registry.resolution.answers import Answers, ClientFactory
from linter.registry.stats import RunStats

AnswerCallback = Callable[[Reference, Resolution], None]


class Resolver:
    def __init__(self, answers: Answers, options: RegistryOptions, stats: RunStats) -> None:
        self._answers = answers
        self._options = options
        self._stats = stats
        self._platform = Platform.parse(options.platform) if options.platform else None

    async def resolve(self, ref: Reference) -> Resolution:
        """What the registries say about ``ref``; never raises (but for cancellation).

        Whatever a registry or a token server sends costs this reference an error, never
        the run: an exception other than RegistryError (an answer no check foresaw
        sent a library somewhere unexpected) is this reference's INVALID error.
        """
        try:
            resolution = await self._resolve(ref)
            return await policy.with_facts(self._answers, resolution, self._options)
        except RegistryError as exc:
            self._stats.record_failure(exc.kind, exc.registry, exc.message)
            return Resolution(ref, error=exc.to_resolve_error())
        except Exception as exc:  # contained: this reference's error, said in its message
            error = unexpected(exc, display_host(ref.api_host))
            self._stats.record_failure(error.kind, error.registry, error.message)
            return Resolution(ref, error=error.to_resolve_error())

    async def _resolve(self, ref: Reference) -> Resolution:
        answers = self._answers
        tag = ref.effective_tag
        if tag is None:
            assert ref.digest is not None  # a reference has a tag, a digest, or both
            found = await answers.exists(ref, ref.digest)
            platforms: tuple[PlatformEntry, ...] = ()
            if (
                found is not None
                and found.media_type in INDEX_TYPES
                and self._options.need_platforms
            ):
                platforms = await answers.children(ref, ref.digest)
            return Resolution(
                ref,
                media_type=found.media_type if found else None,
                platforms=platforms,
                pinned_exists=found is not None,
            )
        facts = await answers.tag(ref, tag)
        digest, kind, platforms = facts.digest, facts.media_type, ()
        if kind in INDEX_TYPES and (
            self._options.need_platforms
            or self._platform is not None
            or (ref.digest is not None and ref.digest != facts.digest)
        ):
            platforms = await answers.children(ref, facts.digest)
        if self._platform is not None and kind in INDEX_TYPES:
            entry = select(platforms, self._platform)
            if entry is None:
                raise RegistryError(
                    ErrorKind.NOT_FOUND,
                    f"{ref.path}:{tag} has no {self._platform} image",
                    display_host(ref.api_host),
                )
            child = await answers.fetched(ref, entry.digest)
            digest, kind = entry.digest, child.media_type
        pinned_exists = None
        if ref.digest is not None:
            known = {facts.digest, digest, *(listed.digest for listed in platforms)}
            pinned_exists = ref.digest in known or await answers.exists(ref, ref.digest) is not None
        return Resolution(ref, digest, kind, platforms, pinned_exists)


async def resolve_references(
    refs: Iterable[Reference],
    options: RegistryOptions,
    stats: RunStats,
    client: ClientFactory | None = None,
    on_answer: AnswerCallback | None = None,
    head: HeadStart | None = None,
) -> dict[Reference, Resolution]:
    """Resolve each unique reference once; never raises for registry problems, never hangs.

    ``on_answer(ref, resolution)`` is called as each answer arrives (not for the
    references the deadline cuts short: those are only in the result). ``head``: what
    the run did before its event loop ran (``ahead``).
    """
    answers = Answers(options, stats, client, head)
    resolver = Resolver(answers, options, stats)
    tasks: dict[Reference, asyncio.Future[Resolution]] = {}
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + options.deadline
        group: list[Reference] = []

        def start() -> None:
            answers.connect_ahead(group)
            for ref in group:
                lookup = tasks[ref] = asyncio.ensure_future(resolver.resolve(ref))
                if on_answer is not None:
                    lookup.add_done_callback(functools.partial(_tell, on_answer, ref))
            group.clear()

        # ``refs`` may be read as it is iterated (the engine reads a file per step), and
        # the loop turns between references, so the registries answer while the rest of
        # the files are read. Lookups start by groups of BATCH_SCOPES, so that the token
        # requests of a group go together, as when all start at once.
        for ref in refs:
            if ref in tasks or ref in group:
                continue
            group.append(ref)
            if len(group) >= BATCH_SCOPES:
                start()
            await asyncio.sleep(0)
        start()
        if tasks:
            left = max(0.0, deadline - loop.time())
            _, pending = await asyncio.wait(tasks.values(), timeout=left)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        results = {}
        for ref, task in tasks.items():
            if task.cancelled():
                error = RegistryError(
                    ErrorKind.UNREACHABLE,
                    f"no answer within the run's deadline of {options.deadline:g}s",
                    display_host(ref.api_host),
                )
                stats.record_failure(error.kind, error.registry, error.message)
                results[ref] = Resolution(ref, error=error.to_resolve_error())
            else:
                results[ref] = task.result()
        return results
    finally:
        await answers.aclose()


def _tell(on_answer: AnswerCallback, ref: Reference, task: asyncio.Future[Resolution]) -> None:
    if not task.cancelled() and task.exception() is None:
        on_answer(ref, task.result())
