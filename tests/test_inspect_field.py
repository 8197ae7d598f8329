"""``inspect --field PATH``: finding one value in the document and printing it as text."""

from __future__ import annotations

from typing import Any

import pytest

from linter.commands.field import FieldError, find, needs, text

DOCUMENT: dict[str, Any] = {
    "digest": "sha256:abc",
    "image": {
        "created": "2024-05-01T12:00:00Z",
        "labels": {
            "org.opencontainers.image": "short",
            "org.opencontainers.image.version": "1.2",
            "a.b": "dotted",
        },
        "layers": [{"digest": "sha256:1", "size": 10}, {"digest": "sha256:2", "size": 20}],
        "env": ["A=1", "B=2"],
        "cmd": None,
        "size": 30,
    },
    "tags_complete": True,
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("digest", "sha256:abc"),
        ("image.created", "2024-05-01T12:00:00Z"),
        # The longest key that matches wins, so keys may hold dots.
        ("image.labels.org.opencontainers.image.version", "1.2"),
        ("image.labels.org.opencontainers.image", "short"),
        ("image.labels.a.b", "dotted"),
        ("image.labels.absent", None),
        ("image.layers.0.digest", "sha256:1"),
        ("image.layers.-1.size", 20),
        ("image.layers.2", None),
        ("image.layers.-3", None),
        ("image.cmd", None),
        ("image.cmd.0", None),
        ("image.env", ["A=1", "B=2"]),
        ("image.size", 30),
        ("tags_complete", True),
        ("absent.below", None),
    ],
)
def test_find(path: str, value: object) -> None:
    assert find(DOCUMENT, path) == value


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("image.created.year", "'image.created' is a string: nothing is below it"),
        ("image.size.x", "'image.size' is a number or boolean: nothing is below it"),
        ("image.layers.first", "'image.layers' is a list: 'first' is not an index"),
    ],
)
def test_find_refuses_to_go_below_a_value(path: str, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        find(DOCUMENT, path)
    assert str(caught.value) == f"--field {path!r}: {message}"


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("plain", "plain\n"),
        ("\x1b[31mred\x07\r\nnext\u202e", "\\x1b[31mred\\x07\\r\\nnext\\u202e\n"),
        ("é ünïcode", "é ünïcode\n"),
        (None, "\n"),
        (True, "true\n"),
        (False, "false\n"),
        (30, "30\n"),
        (["A=1", None, 3], "A=1\n\n3\n"),
        ([], ""),
        ({"a": "b\x1b"}, '{"a":"b\\u001b"}\n'),
        ([{"digest": "x"}], '[{"digest":"x"}]\n'),
    ],
)
def test_text(value: object, printed: str) -> None:
    assert text(value) == printed


@pytest.mark.parametrize(
    ("path", "skopeo", "parts"),
    [
        (None, False, {"image", "signatures"}),
        (None, True, {"image"}),
        ("digest", False, set()),
        ("platforms.0.digest", False, set()),
        ("image.created", False, {"image"}),
        ("signatures.state", False, {"signatures"}),
        ("tags", False, {"tags"}),
        ("tags_complete", False, {"tags"}),
        ("Digest", True, set()),
        ("Name", True, set()),
        ("RepoTags", True, {"tags"}),
        ("Labels.a.b", True, {"image"}),
    ],
)
def test_needs_only_the_parts_the_path_reads(
    path: str | None, skopeo: bool, parts: set[str]
) -> None:
    assert needs(path, skopeo) == parts


@pytest.mark.parametrize(
    ("path", "skopeo", "message"),
    [
        ("", False, "an empty key"),
        ("image.", False, "an empty key"),
        ("Digest", False, "no field 'Digest'; fields: name, tag, digest,"),
        ("digest", True, "no field 'digest'; fields: Name, Digest, RepoTags,"),
        ("image.labls.x", False, "no field 'labls' in image; fields: platform, digest,"),
    ],
)
def test_needs_refuses_what_no_document_has(path: str, skopeo: bool, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        needs(path, skopeo)
    assert str(caught.value).startswith(f"--field {path!r}: {message}")
