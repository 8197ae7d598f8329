"""How BuildKit's Dockerfile frontend reads the lines: parser directives at the top,
line continuations (comment and blank lines inside one are dropped), heredocs (their
lines are content, not instructions), keywords in any case, words and flags.

linter.extract.dockerfile finds the images in what this reads.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import lru_cache

from linter.extract.occurrence import TextScan
from linter.model import Span
from linter.records import Record

_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")
_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_ESCAPES = frozenset({"\\", "`"})
_HEREDOC = re.compile(r"[0-9]*<<(-?)(['\"]?)([^'\"<\s]+)\2")
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})


class Line(Record):
    """One instruction with its continuation lines joined.

    ``pieces`` holds, for each physical line joined, where it starts in ``text``
    and in the file.
    """

    text: str
    pieces: tuple[tuple[int, int], ...]

    def offset(self, index: int) -> int:
        """Where ``text[index]`` is in the file."""
        start, offset = self.pieces[self._piece(index)]
        return offset + index - start

    def span(self, start: int, end: int) -> Span:
        """Where ``text[start:end]`` is in the file (continuations between included)."""
        return Span(self.offset(start), self.offset(end - 1) + 1)

    def contiguous(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` is written in one piece, no continuation inside."""
        return self._piece(start) == self._piece(end - 1)

    def _piece(self, index: int) -> int:
        return bisect_right(self.pieces, (index, math.inf)) - 1


class Word(Record):
    """A whitespace-separated word of a Line, quotes and escapes as written."""

    text: str
    start: int
    end: int

    def after(self, prefix: str) -> Word:
        return Word(self.text[len(prefix) :], self.start + len(prefix), self.end)


class Instruction(Record):
    keyword: str
    flags: tuple[Word, ...]
    arguments: tuple[Word, ...]
    line: Line


def instruction_ends(text: str) -> dict[int, int]:
    """For each instruction written over several lines (continuations), its first line ->
    its last line, 1-based: a suppression comment above it covers them all."""
    lines = TextScan("", text).lines()
    starts = [offset for offset, _ in lines]
    ends = {}
    for instruction in instructions(lines, escape_of(lines)):
        pieces = instruction.line.pieces
        first, last = bisect_right(starts, pieces[0][1]), bisect_right(starts, pieces[-1][1])
        if last > first:
            ends[first] = last
    return ends


def escape_of(lines: list[tuple[int, str]]) -> str:
    """The escape character the parser directives at the top set (``\\`` by default)."""
    escape = directives(lines).get("escape", (0, "\\"))[1]
    return escape if escape in _ESCAPES else "\\"


def directives(lines: list[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """The parser directives at the top, by lowercase name: where the value starts, the value."""
    found: dict[str, tuple[int, str]] = {}
    for offset, content in lines:
        stripped = content.lstrip()
        match = _DIRECTIVE.fullmatch(stripped)
        name = match.group(1).lower() if match else None
        if match is None or name not in _DIRECTIVES or name in found:
            break
        start = offset + len(content) - len(stripped) + match.start(2)
        found[name] = (start, match.group(2))
    return found


def instructions(lines: list[tuple[int, str]], escape: str) -> Iterator[Instruction]:
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    number = 0
    while number < len(lines):
        offset, content = lines[number]
        number += 1
        stripped = content.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        pieces = [(offset + len(content) - len(stripped), stripped)]
        ended = continuation.search(stripped) is None
        while not ended and number < len(lines):
            offset, content = lines[number]
            number += 1
            if not content.strip() or content.lstrip().startswith("#"):
                continue
            pieces.append((offset, content))
            ended = continuation.search(content) is None
        line = _join(pieces, continuation)
        words = _words(line, escape)
        first = next(words, None)
        if first is None:
            continue
        keyword = first.text.upper()
        read = list(_needed(keyword, words))
        flags = tuple(leading_flags(read))
        yield Instruction(keyword, flags, tuple(read[len(flags) :]), line)
        inner = read[0].text.upper() if keyword == "ONBUILD" and read else keyword
        if inner in _HEREDOC_INSTRUCTIONS and "<<" in line.text:
            number = _skip_heredocs(_words(line, escape), lines, number)


def _join(pieces: list[tuple[int, str]], continuation: re.Pattern[str]) -> Line:
    text: list[str] = []
    starts: list[tuple[int, int]] = []
    length = 0
    for offset, content in pieces:
        match = continuation.search(content)
        kept = content[: match.start()] if match else content
        text.append(kept)
        starts.append((length, offset))
        length += len(kept)
    return Line("".join(text), tuple(starts))


def _words(line: Line, escape: str) -> Iterator[Word]:
    """Whitespace-separated words; whitespace inside quotes or after the escape character stays."""
    for match in _word_pattern(escape).finditer(line.text):
        yield Word(match.group(), match.start(), match.end())


def _needed(keyword: str, words: Iterator[Word]) -> Iterator[Word]:
    """The words after ``keyword`` that can name images, read no further than needed.

    All of ``ARG``'s; ``FROM``'s flags and ``image AS name``; the flags of any
    other instruction, and of the one ``ONBUILD`` holds (a ``RUN`` line's
    command can be megabytes long).
    """
    arguments = 0
    for index, word in enumerate(words):
        yield word
        flag = word.text.startswith("--") and word.text != "--" and arguments == 0
        inner_keyword = keyword == "ONBUILD" and index == 0
        if flag or inner_keyword or keyword == "ARG":
            continue
        arguments += 1
        if keyword != "FROM" or arguments == 3:
            return


@lru_cache(maxsize=2)
def _word_pattern(escape: str) -> re.Pattern[str]:
    # An unterminated quote runs to the end of the line, as in the shell lexer.
    e = re.escape(escape)
    return re.compile(rf"(?:[^\s'\"{e}]+|{e}.?|'[^']*'?|\"[^\"]*\"?)+", re.DOTALL)


def leading_flags(words: Iterable[Word]) -> Iterator[Word]:
    """The leading ``--name=value`` words (a lone ``--`` ends them)."""
    for word in words:
        if not word.text.startswith("--") or word.text == "--":
            return
        yield word


def _skip_heredocs(words: Iterator[Word], lines: list[tuple[int, str]], number: int) -> int:
    """The line after the heredocs an instruction opens (their content is not instructions)."""
    for word in words:
        match = _HEREDOC.fullmatch(word.text)
        if match is None:
            continue
        strip_tabs, terminator = match.group(1) == "-", match.group(3)
        while number < len(lines):
            content = lines[number][1]
            number += 1
            if (content.lstrip("\t") if strip_tabs else content) == terminator:
                break
    return number


def stage_name(instruction: Instruction) -> str | None:
    """The lowercase name of a ``FROM image AS name`` stage."""
    arguments = instruction.arguments
    if len(arguments) >= 3 and arguments[1].text.lower() == "as":
        return arguments[2].text.lower()
    return None


def mount_sources(value: Word) -> Iterator[Word]:
    """The ``from=`` field of a ``--mount`` value (``type=cache,from=builder,target=/x``)."""
    position = 0
    for part in value.text.split(","):
        key, equals, _ = part.partition("=")
        if equals and key.strip().lower() == "from":
            start = value.start + position
            yield Word(part, start, start + len(part)).after(key + "=")
        position += len(part) + 1
