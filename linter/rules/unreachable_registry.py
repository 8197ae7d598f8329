from collections.abc import Iterator

from linter.model import ErrorKind, Level
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    resolution = subject.resolution
    if resolution is None or resolution.error is None:
        return
    if resolution.error.kind is not ErrorKind.NOT_FOUND:
        yield Hit(f"could not check {subject.occurrence.image!r}: {resolution.error.message}")


RULE = Rule(
    id="IMG011",
    name="unreachable-registry",
    level=Level.WARNING,
    summary="The registry could not be reached or refused access.",
    check=check,
    online=True,
    doc="""\
**What**: a network error, a timeout, an authentication failure or an invalid
answer (e.g. a digest header that does not match the body) while checking.

**Why**: the reference was not verified; static findings are still reported.

**Fix**: check network access and credentials (`docker login`,
`REGISTRY_AUTH_FILE`), or run with `--offline`.
""",
)
