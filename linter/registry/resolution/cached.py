"""References the persistent cache answers whole, before (and often instead of) the event loop.

A rerun over files that are pinned asks nothing of the registries: every tag is in
the cache. Loading asyncio was then a sixth of such a run. This answers a reference
exactly as the resolver would from the cache, in the plain case only: a tag (the
written one, or ``latest``) in the cache, no platform to choose, no policy fact to
fetch, and a pin, if any, equal to the tag's digest (an index's children are not
needed then). Anything else is the resolver's, in the event loop. Imports neither
asyncio nor httpx.
"""

from linter.model import Resolution
from linter.reference import Reference
from linter.registry import trace
from linter.registry.cache.store import Cache
from linter.registry.options import RegistryOptions
from linter.registry.stats import RunStats


def answer(
    ref: Reference, options: RegistryOptions, cache: Cache, stats: RunStats
) -> Resolution | None:
    """What the resolver would answer for ``ref`` from ``cache`` alone; None when it would
    ask more than the cache's tag (a miss included: the resolver traces it)."""
    if options.platform or options.need_platforms or options.need_created:
        return None
    if options.need_signatures:
        return None
    tag = ref.effective_tag
    facts = cache.tag(ref.name, tag) if tag is not None else None
    if facts is None or (ref.digest is not None and ref.digest != facts.digest):
        return None
    if stats.tracer is not None:
        stats.tracer(trace.CacheAnswer(f"{ref.name}:{tag}", facts.digest, facts.age))
    stats.cache_hits += 1
    pinned_exists = None if ref.digest is None else True
    return Resolution(ref, facts.digest, facts.media_type, (), pinned_exists)
