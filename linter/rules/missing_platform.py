from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution, required = subject.resolution, subject.config.required_platforms
    if not required or resolution is None or resolution.error is not None:
        return
    present = {str(p) for p in resolution.platforms} | {
        f"{p.os}/{p.architecture}" for p in resolution.platforms
    }
    if not present:
        return  # the registry's answer carried no platform list
    missing = [platform for platform in required if platform not in present]
    if missing:
        yield Hit(
            f"{subject.occurrence.image} lacks platform(s) {', '.join(missing)} "
            f"(has {', '.join(sorted(str(p) for p in resolution.platforms))})"
        )


RULE = Rule(
    id="IMG008",
    name="missing-platform",
    level=Level.ERROR,
    summary="The image lacks a platform listed in `required-platforms`.",
    check=check,
    online=True,
    doc="""\
**What**: with `required-platforms = ["linux/amd64", "linux/arm64"]`, an image
whose index (or single manifest) does not provide one of them.

**Why**: the pod will fail with `exec format error` or `no matching manifest`
on the nodes of the missing architecture, often only after a node pool change.

**Example**: an amd64-only image in a cluster with Graviton nodes.

**Fix**: use a multi-platform tag, or build for the missing platform.
""",
)
