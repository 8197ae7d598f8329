"""Reading a file's text exactly: bytes -> str with nothing translated, and back.

Line endings are kept as written and a byte order mark stays in the text as
``'\\ufeff'`` at ``text[0]``, so every offset the extractors compute points into
the file as it is, and ``encode(read(p).text, read(p).encoding)`` gives back the
very same bytes.
"""

from __future__ import annotations

import codecs
import os

from linter import safe_read
from linter.records import Record

#: Eight times the largest real manifest seen (a 1 MB CRD bundle); composing costs ~80x the
#: file size in memory, so the cap also bounds memory.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

# UTF-32 marks first: the UTF-32-LE mark begins with the UTF-16-LE one.
_UNSUPPORTED_MARKS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"))
_UTF16_MARKS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class SourceError(Exception):
    """A file that cannot be linted as text; the message is the reason, on one line."""


class Source(Record):
    #: The decoded text; a byte order mark stays as ``'\ufeff'`` at ``text[0]``.
    text: str
    #: ``"utf-8"``, ``"utf-16-le"`` or ``"utf-16-be"`` (UTF-16 only with a byte order mark).
    encoding: str


def read(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """The text of ``path``; raise SourceError when it is not a readable text file (a FIFO,
    a device, over ``max_bytes``: linter.safe_read)."""
    try:
        data = safe_read.read_bytes(path, limit=max_bytes)
    except safe_read.ReadError as exc:
        raise SourceError(exc.reason) from None
    return decode(data)


def decode(data: bytes) -> Source:
    """``data`` as text: UTF-8 (with or without a byte order mark), or UTF-16 with one."""
    for mark, name in _UNSUPPORTED_MARKS:
        if data.startswith(mark):
            raise SourceError(f"{name} is not supported")
    encoding = next((name for mark, name in _UTF16_MARKS if data.startswith(mark)), "utf-8")
    # A NUL byte means binary, whatever else is wrong with the bytes (UTF-16 is full of them).
    nul = data.find(b"\0") if encoding == "utf-8" else -1
    if nul >= 0:
        raise SourceError(f"binary file (NUL byte at offset {nul})")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        label = "UTF-8" if encoding == "utf-8" else encoding.upper()
        raise SourceError(f"not {label} (byte 0x{byte:02x} at offset {exc.start})") from None
    nul = text.find("\0")
    if nul >= 0:
        raise SourceError(f"binary file (NUL character at offset {nul})")
    return Source(text, encoding)


def encode(text: str, encoding: str) -> bytes:
    """The bytes of ``text``: the exact inverse of ``read`` for unchanged text."""
    return text.encode(encoding)
