from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject
from linter.rules.pinning import is_latest, suggestion, variable_note


def check(subject: Subject) -> Iterator[Hit]:
    ref = subject.reference
    if ref is None or ref.digest is not None or is_latest(ref):
        return
    yield Hit(
        f"image {subject.occurrence.image!r} is pinned by tag only; "
        f"a tag can be moved to other content{variable_note(subject)}",
        suggestion(subject),
    )


RULE = Rule(
    id="IMG001",
    name="unpinned-tag",
    level=Level.ERROR,
    summary="An image is referenced by tag without a digest.",
    check=check,
    fixable=True,
    doc="""\
**What**: an image reference with a tag and no digest, e.g. `nginx:1.27`.

**Why**: tags are mutable. The same manifest can run different content
tomorrow, on another node, or after a registry compromise; rollbacks are not
reproducible and reviews do not show what changes.

**Example**: `image: nginx:1.27`

**Fix**: `imagepin fix` rewrites it to `nginx:1.27@sha256:…`, keeping the tag
for humans while the digest decides what runs.
""",
)
