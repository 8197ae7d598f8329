from collections.abc import Iterator

from linter.model import Level, PlatformEntry
from linter.rules import Hit, Rule, Subject


def _names(entry: PlatformEntry) -> set[str]:
    """``linux/arm64/v8`` also answers to ``linux/arm64``."""
    return {str(entry), f"{entry.os}/{entry.architecture}"}


def check(subject: Subject) -> Iterator[Hit]:
    resolution, required = subject.resolution, subject.config.required_platforms
    if not required or resolution is None or resolution.error is not None:
        return
    single = resolution.platform
    # buildx lists its attestations as unknown/unknown: not something a node can run.
    entries = (single,) if single is not None else resolution.platforms
    runnable = [e for e in entries if e.os != "unknown" and e.architecture != "unknown"]
    if not runnable:
        return  # the registry's answer carried no platform list
    present = set().union(*(_names(e) for e in runnable))
    missing = [platform for platform in required if platform not in present]
    if not missing:
        return
    has = ", ".join(sorted(str(e) for e in runnable))
    what = f"a single-platform {has} image" if single is not None else f"has {has}"
    yield Hit(f"{subject.occurrence.image} lacks platform(s) {', '.join(missing)} ({what})")


RULE = Rule(
    id="IMG008",
    name="missing-platform",
    level=Level.ERROR,
    summary="The image lacks a platform listed in `required-platforms`.",
    check=check,
    online=True,
    doc="""\
**What**: with `required-platforms = ["linux/amd64", "linux/arm64"]`, an image
whose index does not list one of them, or a single-platform image (or a pin
to one platform's manifest of an index) built for another platform.

**Why**: the pod will fail with `exec format error` or `no matching manifest`
on the nodes of the missing architecture, often only after a node pool change.

**Example**: an amd64-only image in a cluster with Graviton nodes.

**Fix**: use a multi-platform tag (and pin the index digest, not one
platform's), or build for the missing platform.

**Network**: one GET of the index (cached by digest for 30 days); for a
single-platform image, its manifest and config blob (cached 30 days).
""",
)
