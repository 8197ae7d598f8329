from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract import extract
from linter.extract.compose import Interpolated, interpolate
from linter.model import Form

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
A_DEFAULT = "a variable can override this default"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nginx:1.27", Interpolated("nginx:1.27")),
        ("${IMAGE:-nginx:1.27}", Interpolated("nginx:1.27", defaults=1, whole_default=(9, 19))),
        ("${IMAGE-nginx}", Interpolated("nginx", defaults=1, whole_default=(8, 13))),
        (
            "${REGISTRY:-docker.io}/app:${TAG:-1.2}",
            Interpolated("docker.io/app:1.2", defaults=2),
        ),
        ("app:${TAG:-1.2}", Interpolated("app:1.2", defaults=1)),
        ("app:${TAG}", Interpolated("app:${TAG}", dynamic="${TAG}")),
        ("$IMAGE", Interpolated("$IMAGE", dynamic="$IMAGE")),
        ("app:${TAG:?required}", Interpolated("app:${TAG:?required}", dynamic="${TAG:?required}")),
        ("app:${TAG:+set}", Interpolated("app:${TAG:+set}", dynamic="${TAG:+set}")),
        ("app:${TAG:-}", Interpolated("app:${TAG:-}", dynamic="${TAG:-}")),
        ("${A:-${B:-x}}", Interpolated("${A:-${B:-x}}", dynamic="${A:-${B:-x}")),
        ("${REG:-r.io}/app:${TAG}", Interpolated("${REG:-r.io}/app:${TAG}", dynamic="${TAG}")),
        ("app$$x:1", Interpolated("app$x:1")),
        ("$${IMAGE}", Interpolated("${IMAGE}")),
        ("app:1$", Interpolated("app:1$")),
        ("${1BAD}", Interpolated("${1BAD}", dynamic="${1BAD}")),
    ],
)
def test_interpolate(value: str, expected: Interpolated) -> None:
    assert interpolate(value) == expected


def test_compose_file() -> None:
    text = (FIXTURES / "compose.yaml").read_text(encoding="utf-8")
    result = extract("compose.yaml", text)
    rows = [
        (
            o.line,
            o.column,
            o.image,
            o.yaml_path,
            o.context,
            o.form,
            text[o.edit.start : o.edit.end] if o.edit else None,
            o.dynamic,
            o.note,
        )
        for o in result.occurrences
    ]
    assert result.kinds == ("compose",)
    assert rows == [
        # Reached through two merge keys, reported once at the anchor.
        (
            2,
            10,
            "ghcr.io/acme/base:1.0",
            "services.worker.image",
            "service worker",
            Form.SCALAR,
            "ghcr.io/acme/base:1.0",
            None,
            None,
        ),
        (
            7,
            12,
            "nginx:1.27",
            "services.web.image",
            "service web",
            Form.SCALAR,
            "nginx:1.27",
            None,
            None,
        ),
        (
            14,
            12,
            "ghcr.io/acme/api:2.1",
            "services.api.image",
            "service api",
            Form.VARIABLE_DEFAULT,
            None,
            None,
            "variables can override these defaults",
        ),
        (
            16,
            12,
            "redis:7.2",
            "services.cache.image",
            "service cache",
            Form.VARIABLE_DEFAULT,
            "redis:7.2",
            None,
            A_DEFAULT,
        ),
        (
            18,
            12,
            "postgres:16",
            "services.db.image",
            "service db",
            Form.VARIABLE_DEFAULT,
            "postgres:16",
            None,
            A_DEFAULT,
        ),
        (
            20,
            12,
            "ghcr.io/acme/app:${TAG}",
            "services.dynamic.image",
            "service dynamic",
            Form.SCALAR,
            "ghcr.io/acme/app:${TAG}",
            "${TAG}",
            None,
        ),
        (
            22,
            12,
            "$IMAGE",
            "services.bare.image",
            "service bare",
            Form.SCALAR,
            "$IMAGE",
            "$IMAGE",
            None,
        ),
        (
            24,
            12,
            "${IMAGE:?set IMAGE}",
            "services.required.image",
            "service required",
            Form.SCALAR,
            "${IMAGE:?set IMAGE}",
            "${IMAGE:?set IMAGE}",
            None,
        ),
        # `$$` is a `$` to Compose: the image is not the characters written.
        (
            26,
            12,
            "ghcr.io/acme/$weird:1",
            "services.dollars.image",
            "service dollars",
            Form.SCALAR,
            None,
            None,
            None,
        ),
        # services.built has build: its image names the build output.
        (
            30,
            17,
            "alpine:3.20",
            "services.flow.image",
            "service flow",
            Form.SCALAR,
            "alpine:3.20",
            None,
            None,
        ),
        (
            32,
            12,
            "${A:-${B:-nginx}}",
            "services.nested-default.image",
            "service nested-default",
            Form.SCALAR,
            "${A:-${B:-nginx}}",
            "${A:-${B:-nginx}",
            None,
        ),
    ]


@pytest.mark.parametrize(
    ("service", "found"),
    [
        ("build: .\n    image: acme/app:dev", False),
        ("build: {context: .}\n    image: acme/app:dev", False),
        ("build:\n    image: acme/app:dev", True),
        ("image: 5", False),
        ("image: ''", False),
        ("image: [nginx]", False),
    ],
)
def test_services_without_occurrences(service: str, found: bool) -> None:
    result = extract("compose.yaml", f"services:\n  app:\n    {service}\n")
    assert bool(result.occurrences) is found


@pytest.mark.parametrize(
    ("name", "text", "kinds"),
    [
        ("docker-compose.yml", "version: '3'\nservices:\n  a: {image: 'x:1'}\n", ("compose",)),
        ("stack.yaml", "services:\n  a: {image: 'x:1'}\nx-common: {}\n", ("compose",)),
        ("compose.override.yaml", "services:\n  a: {image: 'x:1'}\nother: 1\n", ("compose",)),
        # A values file that happens to have `services:` is not Compose.
        ("values.yaml", "services:\n  a: {image: 'x:1'}\nreplicaCount: 1\n", ("other",)),
    ],
)
def test_compose_detection(name: str, text: str, kinds: tuple[str, ...]) -> None:
    result = extract(name, text)
    assert result.kinds == kinds
    assert len(result.occurrences) == (1 if kinds == ("compose",) else 0)
