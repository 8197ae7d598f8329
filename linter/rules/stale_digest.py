from collections.abc import Iterator

from linter.model import Level
from linter.reference import pinned
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution, ref = subject.resolution, subject.reference
    if resolution is None or ref is None or ref.tag is None or ref.digest is None:
        return
    current = resolution.digest
    if current is None or current == ref.digest or resolution.pinned_exists is False:
        return
    if ref.digest in {child.digest for child in resolution.platforms}:
        return  # one platform of the tag's index: IMG009's case, not a stale pin
    yield Hit(
        f"tag {ref.tag!r} now points to {current}, not to the pinned {ref.digest}; "
        "`imagepin fix --update` moves the pin",
        pinned(subject.occurrence.image, current),
    )


RULE = Rule(
    id="IMG005",
    name="stale-digest",
    level=Level.WARNING,
    summary="The tag now resolves to a different digest than the one pinned.",
    check=check,
    online=True,
    fixable=True,
    doc="""\
**What**: `name:tag@digest` where the tag has since been pushed again.

**Why**: the pin still decides what runs (that is its point), but the tag in
the file now lies about it: the image may be missing security fixes the tag
received.

**Example**: `image: nginx:1.27@sha256:<last month's digest>`

**Fix**: `imagepin fix --update` replaces the digest with the current one;
plain `imagepin fix` never changes what runs.
""",
)
