from __future__ import annotations

import pytest

from linter.extract.occurrence import FileScan, child, dynamic_part
from linter.model import Form, Span
from linter.yamlnodes import Parsed, values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nginx:1.27", None),
        ("ghcr.io/a/b:${TAG}", "${TAG}"),
        ("${REGISTRY:-docker.io}/b", "${REGISTRY:-docker.io}"),
        ("ghcr.io/a/b:$TAG", "$TAG"),
        ("$(params.image)", "$(params.image)"),
        ("$(inputs.params.x", "$(inputs.params.x"),
        ("{{ .Values.image }}:{{ .Values.tag }}", "{{ .Values.image }}"),
        ("{{.x}}", "{{.x}}"),
        ("ko://github.com/acme/app", "ko://github.com/acme/app"),
        ("ghcr.io/ko://x", None),
        ("a$", None),
        ("a:{b}", None),
    ],
)
def test_dynamic_part(value: str, expected: str | None) -> None:
    assert dynamic_part(value) == expected


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("", "spec", "spec"),
        ("spec", "containers", "spec.containers"),
        ("spec.containers", 0, "spec.containers[0]"),
        ("services", "my-web_1", "services.my-web_1"),
        ("metadata.annotations", "a.b/c", 'metadata.annotations["a.b/c"]'),
        ("services", "web app", 'services["web app"]'),
        ("", 3, "[3]"),
    ],
)
def test_child(path: str, key: str | int, expected: str) -> None:
    assert child(path, key) == expected


def test_occurrence_positions_and_reporting_once() -> None:
    text = "\ufeffa: &x 'nginx:1.27'\r\nb: *x\r\n"
    parsed = Parsed(text)
    scan = FileScan(parsed, "f.yaml")
    node = values(parsed.documents[0], "a")[0]
    alias = values(parsed.documents[0], "b")[0]
    assert (scan.first_time(node), scan.first_time(alias)) == (True, False)
    found = scan.image_scalar(node, yaml_path="a", context="here")
    assert (found.path, found.line, found.column, found.end_line, found.end_column) == (
        "f.yaml",
        1,
        7,
        1,
        19,
    )
    assert (found.start, found.end, found.raw, found.image) == (7, 19, "'nginx:1.27'", "nginx:1.27")
    assert (found.edit, found.form, found.dynamic) == (Span(8, 18), Form.SCALAR, None)
