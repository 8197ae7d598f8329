"""JSON with comments (JSONC), as VS Code and the Dev Container tools read it, with spans.

``//`` and ``/* */`` comments and trailing commas are allowed. Every string
keeps where it is written, so an extractor can point at it and a fix can
rewrite it in place. Only what extractors need is kept: objects (their entries
in written order), arrays and strings; other values are just skipped over.
"""

from __future__ import annotations

import json
import re

from linter.model import Span
from linter.records import Record

#: Deeper documents are refused: the parser recurses (twice) per level, and a hostile
#: file must not exhaust the stack. Real configurations nest a few levels.
MAX_DEPTH = 200
_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")


class JsoncError(ValueError):
    """Not JSONC: where (an offset) and why."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


class String(Record):
    value: str
    #: The string as written, quotes included.
    span: Span
    #: The characters that hold ``value`` exactly (inside the quotes); None with escapes.
    edit: Span | None


class Object(Record):
    entries: list[tuple[String, Value]]

    def get(self, key: str) -> Value | None:
        """The value of the last ``key``, as JSON parsers read duplicates."""
        found = [value for name, value in self.entries if name.value == key]
        return found[-1] if found else None


class Array(Record):
    items: list[Value]


#: Numbers, booleans and null are not kept.
Value = Object | Array | String | None


def parse(text: str) -> Value:
    """The value of the JSONC ``text`` (a byte order mark at its start is skipped)."""
    position = 1 if text.startswith("\ufeff") else 0
    value, position = _value(text, _skip(text, position), 0)
    position = _skip(text, position)
    if position != len(text):
        raise JsoncError(position, "unexpected content after the value")
    return value


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    assert match is not None  # it matches the empty string
    if text.startswith("/*", match.end()):
        raise JsoncError(match.end(), "unterminated comment")
    return match.end()


def _value(text: str, position: int, depth: int) -> tuple[Value, int]:
    if depth > MAX_DEPTH:
        raise JsoncError(position, f"nested more than {MAX_DEPTH} levels deep")
    character = text[position : position + 1]
    if character == "{":
        return _object(text, position + 1, depth + 1)
    if character == "[":
        return _array(text, position + 1, depth + 1)
    if character == '"':
        string = _string(text, position)
        return string, string.span.end
    literal = _LITERAL.match(text, position)
    if literal is None or literal.end() == position:
        raise JsoncError(position, "expected a value")
    return None, literal.end()


def _string(text: str, position: int) -> String:
    match = _STRING.match(text, position)
    if match is None:
        raise JsoncError(position, "unterminated string")
    raw = match.group()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise JsoncError(position + error.pos, f"invalid string: {error.msg}") from None
    span = Span(match.start(), match.end())
    edit = Span(span.start + 1, span.end - 1) if raw[1:-1] == value else None
    return String(value, span, edit)


def _object(text: str, position: int, depth: int) -> tuple[Object, int]:
    found = Object([])
    position = _skip(text, position)
    while not text.startswith("}", position):
        if not text.startswith('"', position):
            raise JsoncError(position, "expected a key in double quotes or '}'")
        key = _string(text, position)
        position = _skip(text, key.span.end)
        if not text.startswith(":", position):
            raise JsoncError(position, "expected ':'")
        value, position = _value(text, _skip(text, position + 1), depth)
        found.entries.append((key, value))
        position = _after_item(text, _skip(text, position), "}")
    return found, position + 1


def _array(text: str, position: int, depth: int) -> tuple[Array, int]:
    found = Array([])
    position = _skip(text, position)
    while not text.startswith("]", position):
        value, position = _value(text, position, depth)
        found.items.append(value)
        position = _after_item(text, _skip(text, position), "]")
    return found, position + 1


def _after_item(text: str, position: int, closing: str) -> int:
    """After an item: a comma (a trailing one too) or the closing bracket."""
    if text.startswith(",", position):
        return _skip(text, position + 1)
    if text.startswith(closing, position):
        return position
    raise JsoncError(position, f"expected ',' or '{closing}'")
