from collections.abc import Iterator

from linter.model import ErrorKind, Finding, Level
from linter.rules import Hit, Rule, Subject


def _unchecked(image: str) -> str:
    return f"; {image!r} was not checked"


def problem(finding: Finding) -> str | None:
    """``registry: why`` of an IMG011 finding: the same for every image of a registry that
    failed the same way (the text report shows them as one line with a count)."""
    if finding.rule != RULE.id or not finding.message.endswith(_unchecked(finding.image)):
        return None
    return finding.message.removesuffix(_unchecked(finding.image))


def check(subject: Subject) -> Iterator[Hit]:
    resolution = subject.resolution
    if resolution is None or resolution.error is None:
        return
    error = resolution.error
    if error.kind is not ErrorKind.NOT_FOUND:
        yield Hit(f"{error.registry}: {error.message}{_unchecked(subject.occurrence.image)}")


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
