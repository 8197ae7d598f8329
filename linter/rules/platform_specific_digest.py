from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution, ref = subject.resolution, subject.reference
    if resolution is None or ref is None or ref.digest is None:
        return
    if ref.digest == resolution.digest:
        return
    for child in resolution.platforms:
        if child.digest == ref.digest:
            yield Hit(
                f"the pinned digest is the {child} image of a multi-platform tag; "
                f"nodes of other platforms cannot run it (the index is {resolution.digest})"
            )
            return


RULE = Rule(
    id="IMG009",
    name="platform-specific-digest",
    level=Level.WARNING,
    summary="The pin is one platform's manifest of a multi-platform tag.",
    check=check,
    online=True,
    doc="""\
**What**: `name:tag@digest` where the digest is one child of the index that
the tag points to (typically copied from `docker inspect` on one machine).

**Why**: the pin works only on that platform; arm64 nodes pulling an amd64
manifest fail.

**Example**: `image: nginx:1.27@sha256:<linux/amd64 manifest>`

**Fix**: pin the index digest instead (`imagepin resolve nginx:1.27`), unless
one platform is intended (then use `--platform` consistently).
""",
)
