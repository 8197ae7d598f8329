"""Where to ask about a reference: the mirrors configured for it, then its own registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from linter.reference import Reference
from linter.registry.api.target import Target
from linter.registry.errors import RegistryError
from linter.registry.stats import RunStats

V = TypeVar("V")


def mirror_targets(ref: Reference, mirrors: Mapping[str, tuple[str, ...]]) -> list[Target]:
    """Where to ask about ``ref``: the mirrors of its longest matching prefix, then itself."""
    targets = []
    for prefix in sorted(mirrors, key=len, reverse=True):
        bare = prefix.rstrip("/")
        if ref.name == bare or ref.name.startswith(bare + "/"):
            rest = ref.name[len(bare) :].strip("/")
            for location in mirrors[prefix]:
                host, _, namespace = location.split("://", 1)[-1].strip("/").partition("/")
                path = f"{namespace}/{rest}" if namespace else rest
                targets.append(Target(host.lower(), path))
            break
    return [*targets, Target(ref.api_host.lower(), ref.path)]


async def via_mirrors(
    targets: list[Target], stats: RunStats, ask: Callable[[Target], Awaitable[V]]
) -> V:
    """``ask`` each target in turn until one answers; the last one's error is the answer."""
    for target in targets[:-1]:
        try:
            return await ask(target)
        except RegistryError as exc:
            # A mirror that fails is reported, and the next one (at last the registry) asked.
            stats.record_failure(exc.kind, exc.registry, exc.message)
    return await ask(targets[-1])
