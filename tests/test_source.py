from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import pytest

from linter.source import Source, SourceError, decode, encode, read


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: b\n", Source("a: b\n", "utf-8")),
        (b"", Source("", "utf-8")),
        (b"a: b\r\nc: d\r\n", Source("a: b\r\nc: d\r\n", "utf-8")),
        (b"a: b\rc: d", Source("a: b\rc: d", "utf-8")),
        (codecs.BOM_UTF8 + b"a: b\n", Source("\ufeffa: b\n", "utf-8")),
        ("a: \u00e9\U0001f389\n".encode(), Source("a: \u00e9\U0001f389\n", "utf-8")),
        (codecs.BOM_UTF16_LE + "a: b\n".encode("utf-16-le"), Source("\ufeffa: b\n", "utf-16-le")),
        (codecs.BOM_UTF16_BE + "a: b\n".encode("utf-16-be"), Source("\ufeffa: b\n", "utf-16-be")),
        (
            codecs.BOM_UTF16_LE + "a: \U0001f389\r\n".encode("utf-16-le"),
            Source("\ufeffa: \U0001f389\r\n", "utf-16-le"),
        ),
    ],
)
def test_decode_and_encode_round_trip(data: bytes, expected: Source) -> None:
    assert decode(data) == expected
    assert encode(expected.text, expected.encoding) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: \xffb\n", "not UTF-8 (byte 0xff at offset 3)"),
        (b"a: b\n\xc3", "not UTF-8 (byte 0xc3 at offset 5)"),
        (b"abc\x00def", "binary file (NUL byte at offset 3)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL byte at offset 8)"),
        (codecs.BOM_UTF16_LE + b"a\x00\x00\x00", "binary file (NUL character at offset 2)"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "not UTF-16-LE (byte 0x00 at offset 2)"),
        (codecs.BOM_UTF32_LE + b"a\x00\x00\x00", "UTF-32 is not supported"),
        (codecs.BOM_UTF32_BE + b"\x00\x00\x00a", "UTF-32 is not supported"),
    ],
)
def test_decode_refuses(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as error:
        decode(data)
    assert str(error.value) == message


def test_read_keeps_every_byte(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + b"a: 'b'\r\nc: d  \n\te: f"
    path = tmp_path / "x.yaml"
    path.write_bytes(data)
    source = read(path)
    assert source.text[0] == "\ufeff"
    assert encode(source.text, source.encoding) == data


def _reason(path: Path, max_bytes: int = 1024) -> str:
    with pytest.raises(SourceError) as error:
        read(path, max_bytes=max_bytes)
    return str(error.value)


def test_read_refuses_a_directory(tmp_path: Path) -> None:
    assert _reason(tmp_path) == "is a directory"


def test_read_refuses_a_missing_file(tmp_path: Path) -> None:
    assert _reason(tmp_path / "missing.yaml") == "No such file or directory"


@pytest.mark.parametrize(("size", "limit", "ok"), [(10, 10, True), (11, 10, False)])
def test_read_size_limit(tmp_path: Path, size: int, limit: int, ok: bool) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * size)
    if ok:
        assert read(path, max_bytes=limit).text == "a" * size
    else:
        assert _reason(path, limit) == "too large (11 bytes; the limit is 10)"


def test_read_refuses_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Any, *args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    # A mode of 0 does not stop root, who runs the tests in CI containers.
    monkeypatch.setattr(os, "open", refuse)
    assert _reason(tmp_path / "secret.yaml") == "Permission denied"
