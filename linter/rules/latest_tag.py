from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject
from linter.rules.pinning import is_latest, suggestion, variable_note


def check(subject: Subject) -> Iterator[Hit]:
    ref = subject.reference
    if ref is None or ref.digest is not None or not is_latest(ref):
        return
    what = "has no tag (it means :latest)" if ref.tag is None else "uses :latest"
    yield Hit(
        f"image {subject.occurrence.image!r} {what}; pin a version tag, "
        f"then a digest{variable_note(subject)}",
        suggestion(subject),
    )


RULE = Rule(
    id="IMG002",
    name="latest-tag",
    level=Level.ERROR,
    summary="An image uses `:latest` or no tag at all.",
    check=check,
    fixable=True,
    doc="""\
**What**: `nginx`, `nginx:latest`, or any reference with no tag and no digest.

**Why**: `latest` moves with every push; nobody can tell from the manifest which
version runs, and two nodes may run different ones.

**Example**: `image: redis`

**Fix**: choose a version tag (`redis:7.4`), then pin it. `imagepin fix` pins
what `latest` is today (`redis:latest@sha256:…`) so at least it stops moving.
""",
)
