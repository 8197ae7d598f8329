"""What fixing a finding changes in its file, for reporters that offer fixes.

SARIF ``fixes[]`` and the PR bot's review suggestions show exactly the edits
``imagepin fix`` writes: both are computed by linter.fixer from the file text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linter import fixer
from linter.model import Edit, Finding


@dataclass(frozen=True)
class LineChange:
    """Lines ``first``..``last`` (1-based) of a file before and after a fix, without line ends."""

    first: int
    last: int
    before: str
    after: str


def read_text(root: str, path: str) -> str | None:
    """The decoded text of ``path`` (relative to ``root``), or None when it cannot be read."""
    from linter import source

    try:
        return source.read(Path(root) / path).text
    except source.SourceError:
        return None


def edits(finding: Finding, text: str) -> list[Edit]:
    """The edits that write ``finding``'s suggestion into ``text``; [] when there is nothing to do.

    Nothing to do also covers occurrences that cannot be edited in place and
    files that changed since they were read: a fix is never guessed.
    """
    if finding.occurrence is None or not finding.suggestion:
        return []
    if finding.occurrence.fix_path is not None:
        return []  # the fix is in another file (a .env), not in this one
    digest = finding.suggestion.rpartition("@")[2]
    try:
        return fixer.edits_for(text, fixer.Pin(finding.occurrence, digest))
    except ValueError:
        return []


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in code points) of ``text[offset]``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def line_change(text: str, changes: Sequence[Edit]) -> LineChange | None:
    """The whole lines ``changes`` touch, before and after; None without changes."""
    if not changes:
        return None
    start = min(edit.start for edit in changes)
    end = max(edit.end for edit in changes)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    before = text[line_start:line_end]
    shifted = [Edit(e.start - line_start, e.end - line_start, e.replacement) for e in changes]
    after = fixer.apply_edits(before, shifted)
    first = text.count("\n", 0, line_start) + 1
    return LineChange(first, first + before.count("\n"), _plain(before), _plain(after))


def _plain(lines: str) -> str:
    """Lines as a reviewer sees them: CRLF ends are the file's business, not the suggestion's."""
    return lines.replace("\r\n", "\n").removesuffix("\r")
