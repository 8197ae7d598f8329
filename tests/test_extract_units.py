"""Podman Quadlet units and Dev Container JSONC (suites in tests/fixtures/formats/units)."""

from __future__ import annotations

import pytest

from linter.extract import extract
from linter.extract.jsonc import JsoncError, Object, String, parse


@pytest.mark.parametrize(
    ("text", "image", "edit"),
    [
        ('{"image": "a:1"}', "a:1", "a:1"),
        ('// c\n{\n  /* c */ "image": "a:1", // c\n  "x": [1, 2,],\n}\n', "a:1", "a:1"),
        ('\ufeff{"image": "a:1"}', "a:1", "a:1"),
        ('{"image": "a\\u003a1"}', "a:1", None),
        ('{"image": "a:1", "image": "b:2"}', "b:2", "b:2"),
        ('{"x": {"image": "a:1"}}', None, None),
        ('{"image": ""}', None, None),
        ('{"image": 5}', None, None),
    ],
)
def test_devcontainer_image(text: str, image: str | None, edit: str | None) -> None:
    found = extract(".devcontainer.json", text).occurrences
    assert [o.image for o in found] == ([image] if image else [])
    if found:
        span = found[0].edit
        assert (text[span.start : span.end] if span else None) == edit


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"image": "a:1"', "expected ',' or '}'"),
        ('{"image" "a:1"}', "expected ':'"),
        ("{image: 1}", "expected a key in double quotes or '}'"),
        ('{"a": 1} x', "unexpected content after the value"),
        ('{"a": /* open', "unterminated comment"),
        ('{"a": "x\ny"}', "unterminated string"),
        ("[" * 2000 + "]" * 2000, "nested more than 200 levels deep"),
    ],
)
def test_jsonc_errors(text: str, message: str) -> None:
    with pytest.raises(JsoncError, match=message):
        parse(text)


def test_a_broken_devcontainer_is_an_error_only_with_an_image_key() -> None:
    broken = extract(".devcontainer/devcontainer.json", '{\n  "image": "a:1",,\n}\n')
    assert broken.syntax_error is not None and broken.syntax_error.line == 2
    other = extract(".devcontainer/devcontainer.json", '{\n  "name": "x",,\n}\n')
    assert (other.syntax_error, other.skipped is not None) == (None, True)


def test_jsonc_keeps_strings_and_their_places() -> None:
    document = parse('{"a": ["x", {"b": "y"}]}')
    assert isinstance(document, Object)
    ((key, value),) = document.entries
    assert (key.value, key.span.start, type(value).__name__) == ("a", 1, "Array")


@pytest.mark.parametrize(
    ("path", "text", "rows"),
    [
        ("a.container", "[Container]\nImage=nginx:1.27\n", [(2, "nginx:1.27", True)]),
        ("a.container", "[Container]\n  Image =  nginx:1.27  \n", [(2, "nginx:1.27", True)]),
        ("a.container", '[Container]\nImage="nginx:1.27"\n', [(2, "nginx:1.27", True)]),
        # Other sections, comments, units and continuations.
        ("a.container", "[Service]\nImage=nginx:1\n[Container]\n#Image=x:1\n;Image=y:1\n", []),
        ("a.container", "[Container]\nImage=base.image\n", []),
        ("a.container", "[Container]\nImage=web.build\n", []),
        ("a.container", "[Container]\nImage=nginx\\\n:1.27\n", [(2, "nginx\\", False)]),
        ("a.container", "[Container]\nImage=x-%i:1\n", [(2, "x-%i:1", False)]),
        ("a.image", "[Image]\nImage=quay.io/x:1\n", [(2, "quay.io/x:1", True)]),
        ("a.volume", "[Volume]\nDriver=image\nImage=quay.io/x:1\n", [(3, "quay.io/x:1", True)]),
        ("a.build", "[Build]\nImageTag=localhost/x:1\nFile=Containerfile\n", []),
        ("a.container", "\ufeff[Container]\r\nImage=nginx:1.27\r\n", [(2, "nginx:1.27", True)]),
    ],
)
def test_quadlet(path: str, text: str, rows: list[tuple[int, str, bool]]) -> None:
    found = extract(path, text).occurrences
    assert [(o.line, o.image, o.edit is not None) for o in found] == rows
    for occurrence in found:
        if occurrence.edit is not None:
            assert text[occurrence.edit.start : occurrence.edit.end] == occurrence.image


def test_string_type() -> None:
    assert isinstance(parse('"x"'), String)
