from collections.abc import Iterator

from linter.model import Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    if subject.invalid is not None and subject.occurrence.dynamic is None:
        yield Hit(f"invalid image reference: {subject.invalid}")


RULE = Rule(
    id="IMG003",
    name="invalid-reference",
    level=Level.ERROR,
    summary="A string in an image field is not a valid image reference.",
    check=check,
    doc="""\
**What**: a value that the container runtime would refuse: uppercase
repository names, a tag longer than 128 characters, a digest with the wrong
length, whitespace, `a/b..c`.

**Why**: the workload will fail at pull time (`InvalidImageName`), usually
long after the change was merged.

**Example**: `image: ghcr.io/Acme/App:1.0`

**Fix**: correct the reference; the grammar is the one of
distribution/reference (repository names are lowercase).
""",
)
