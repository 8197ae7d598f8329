"""Docker Compose: ``services.<name>.image``, with Compose's ``${VAR:-default}`` interpolation.

A default stands in for its variable, so ``${REGISTRY:-docker.io}/app:${TAG:-1.2}``
is checked as ``docker.io/app:1.2``; the fix rewrites a default only when it
holds the whole reference (``${IMAGE:-nginx:1.27}``). A variable without a
default makes the reference dynamic (IMG006). In a service with ``build:``,
``image:`` names what the build produces: not an occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from linter.extract.occurrence import FileScan, child
from linter.model import Form, Occurrence, Span
from linter.yamlnodes import Node, entries, is_mapping, is_null, is_string, values

_EXPRESSION = re.compile(
    r"\$(?:(?P<dollar>\$)|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:(?P<operator>:?[-?+])(?P<argument>.*))?", re.DOTALL)
_DEFAULT_OPERATORS = ("-", ":-")


@dataclass(frozen=True)
class Interpolated:
    """A value as Compose reads it when no variable is set."""

    #: The value with defaults substituted and ``$$`` read as ``$``; as written when dynamic.
    image: str
    #: The first expression that has no default (``${TAG}``, ``$TAG``, ``${TAG:?unset}``).
    dynamic: str | None = None
    #: How many variables have a default.
    defaults: int = 0
    #: Where the default is in the value when one ``${VAR:-default}`` is the whole value.
    whole_default: tuple[int, int] | None = None


def interpolate(value: str) -> Interpolated:
    pieces: list[str] = []
    position = defaults = 0
    whole_default = None
    for match in _EXPRESSION.finditer(value):
        pieces.append(value[position : match.start()])
        position = match.end()
        if match.group("dollar"):
            pieces.append("$")
            continue
        braced = _BRACED.fullmatch(match.group("braced") or "")
        defaulted = braced and braced.group("operator") in _DEFAULT_OPERATORS
        default = braced.group("argument") if braced and defaulted else None
        if braced is None or not default or "$" in default:
            return Interpolated(value, dynamic=match.group())
        pieces.append(default)
        defaults += 1
        if match.span() == (0, len(value)):
            whole_default = (match.start("braced") + braced.start("argument"), match.end() - 1)
    pieces.append(value[position:])
    return Interpolated("".join(pieces), defaults=defaults, whole_default=whole_default)


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for services in values(document, "services"):
        if not is_mapping(services):
            continue
        for name, _, service in entries(services):
            if not is_mapping(service) or _builds(service):
                continue
            for image in values(service, "image"):
                if is_string(image) and image.value.strip() and scan.first_time(image):
                    yield _occurrence(scan, image, str(name))


def _builds(service: Node) -> bool:
    return any(not is_null(build) for build in values(service, "build"))


def _occurrence(scan: FileScan, node: Node, service: str) -> Occurrence:
    scalar = scan.parsed.scalar(node)
    found = interpolate(scalar.value)
    form, note = Form.SCALAR, None
    edit = scalar.edit if found.image == scalar.value else None
    if found.defaults:
        form = Form.VARIABLE_DEFAULT
        note = (
            "a variable can override this default"
            if found.defaults == 1
            else "variables can override these defaults"
        )
        edit = None
        if found.whole_default is not None and scalar.edit is not None:
            start, end = found.whole_default
            edit = Span(scalar.edit.start + start, scalar.edit.start + end)
    return scan.occurrence(
        scalar,
        image=found.image,
        yaml_path=child(child("services", service), "image"),
        context=f"service {service}",
        form=form,
        edit=edit,
        dynamic=found.dynamic,
        note=note,
    )
