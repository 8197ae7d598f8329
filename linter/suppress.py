"""Inline suppression comments (README "Rules").

``# imagepin: ignore`` or ``# imagepin: ignore[IMG001,latest-tag]`` at the end
of a line, or alone on the line above; ``# imagepin: disable-file`` among the
file's leading comments (after a ``%YAML`` directive too).

A line is what ends at ``\\n``, as everywhere in imagepin (findings, SARIF
regions, annotations, diff hunks): never ``str.splitlines``, which also breaks at
U+0085, U+2028 and U+2029 that YAML keeps inside a quoted scalar. A directive
counts only in a real comment: a ``#`` inside a quoted string or a block scalar's
lines is content (linter.yamlnodes.content_spans). A comment alone above a
Dockerfile instruction covers the instruction's continuation lines too.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

from linter.lazyre import on_first_use
from linter.records import Record

_DIRECTIVE = on_first_use(r"(?:^|(?<=\s))#\s*imagepin:\s*(disable-file|ignore)(?:\[([^\]]*)\])?")
ALL = frozenset({"*"})


class Suppressions(Record):
    disabled: bool = False
    #: 1-based line -> rule ids/names suppressed there (ALL for every rule).
    lines: Mapping[int, frozenset[str]] = {}

    def suppresses(self, line: int, rule_id: str, rule_name: str) -> bool:
        if self.disabled:
            return True
        keys = self.lines.get(line)
        return keys is not None and (keys == ALL or rule_id in keys or rule_name in keys)


def _keys(listed: str | None) -> frozenset[str]:
    if listed is None:
        return ALL
    return frozenset(
        part.strip().upper() if part.strip().upper().startswith("IMG") else part.strip().lower()
        for part in listed.split(",")
        if part.strip()
    )


#: Why a file ``# imagepin: disable-file`` leaves out is skipped (Report.skipped).
DISABLE_FILE = "disable-file"


def disables_file(text: str) -> bool:
    """Whether ``# imagepin: disable-file`` among the leading comments skips the file."""
    return "disable-file" in text and parse(text).disabled


def _leading(stripped: str) -> bool:
    """A line that may come before ``disable-file``: a comment, blank, a document start
    (with a comment after it), a YAML directive (``%YAML 1.2``, ``%TAG``)."""
    return (
        not stripped
        or stripped.startswith(("#", "%"))
        or stripped == "---"
        or stripped.startswith(("--- #", "---\t#"))
    )


def parse(text: str, *, dockerfile: bool = False) -> Suppressions:
    """The suppressions ``text`` makes; ``dockerfile``: it is a Dockerfile (not YAML)."""
    if "imagepin:" not in text:
        return Suppressions()
    lines = text.removeprefix("\ufeff").split("\n")
    found = [
        (number, line, match)
        for number, line in enumerate(lines, start=1)
        if "imagepin:" in line
        for match in _DIRECTIVE().finditer(line)
    ]
    if not found:
        return Suppressions()
    comments = _Comments(text, lines, dockerfile)
    targets: dict[int, frozenset[str]] = {}
    for number, line, match in found:
        if not comments.real(number, match.start()):
            continue
        if match.group(1) == "disable-file":
            if all(_leading(before.strip()) for before in lines[: number - 1]):
                return Suppressions(disabled=True)
            continue
        keys = _keys(match.group(2))
        # A comment alone on its line covers the next statement; otherwise its own line.
        alone = line.lstrip().startswith("#")
        for target in comments.covered(number + 1) if alone else (number,):
            previous = targets.get(target, frozenset())
            targets[target] = ALL if ALL in (keys, previous) else keys | previous
    return Suppressions(lines=targets)


class _Comments:
    """Which ``#`` start real comments, and which lines a comment alone covers."""

    def __init__(self, text: str, lines: list[str], dockerfile: bool) -> None:
        self._lines = lines
        # Offsets into ``text``: the first line starts after a byte order mark.
        self._starts = [len(text) - len(text.removeprefix("\ufeff"))]
        for line in lines[:-1]:
            self._starts.append(self._starts[-1] + len(line) + 1)
        self._dockerfile = dockerfile
        self._ends: dict[int, int] = {}
        self._content: list[tuple[int, int]] = []
        if dockerfile:
            from linter.extract.dockerfile_syntax import instruction_ends

            self._ends = instruction_ends(text)
        else:
            from linter.yamlnodes import content_spans

            self._content = content_spans(text)
        self._content_starts = [start for start, _ in self._content]

    def real(self, number: int, column: int) -> bool:
        """Whether the ``#`` at 0-based ``column`` of line ``number`` starts a comment."""
        offset = self._starts[number - 1] + column
        index = bisect_right(self._content_starts, offset) - 1
        return index < 0 or not self._content[index][0] <= offset < self._content[index][1]

    def covered(self, number: int) -> range:
        """The lines a comment alone just above line ``number`` covers: the next line that
        is not a comment, and a Dockerfile instruction's continuation lines after it."""
        while number <= len(self._lines) and self._lines[number - 1].lstrip().startswith("#"):
            number += 1
        return range(number, self._ends.get(number, number) + 1)
