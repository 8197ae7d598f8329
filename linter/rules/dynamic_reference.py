from collections.abc import Iterator

from linter.model import Level
from linter.reference import quoted
from linter.rules import Hit, Rule, Subject


def check(subject: Subject) -> Iterator[Hit]:
    if subject.occurrence.dynamic is not None:
        yield Hit(
            f"image {quoted(subject.occurrence.image)} is computed at deploy time "
            f"({quoted(subject.occurrence.dynamic)}); it cannot be checked statically"
        )


RULE = Rule(
    id="IMG006",
    name="dynamic-reference",
    level=Level.INFO,
    summary="The reference depends on a variable or template and cannot be checked.",
    check=check,
    doc="""\
**What**: `${VAR}` without a default, `$(params.image)`, `{{ .Values.image }}`,
`ko://…`: the reference is only known when the manifest is rendered.

**Why**: imagepin cannot pin or verify what it cannot see. Shown with `-v`.

**Example**: `image: ${REGISTRY}/app:${TAG}`

**Fix**: give the variable a pinned default (`${TAG:-1.2@sha256:…}`), or lint
the rendered output (`helm template … | imagepin check -`).
""",
)
