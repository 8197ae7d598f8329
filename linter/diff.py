"""Unified diffs of a fix, as plain text (the CLI adds colour on a terminal).

The diff is a faithful patch: lines keep their own endings (a CRLF line shows
as ending in ``\\r\\n``, so ``git apply``/``patch`` reproduce the file byte for
byte), and a last line without a newline gets GNU diff's
``\\ No newline at end of file`` marker instead of running into the next line.
"""

from __future__ import annotations

import difflib

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified(display_path: str, old: str, new: str, *, context: int = 3) -> str:
    """The unified diff from ``old`` to ``new`` with ``a/``/``b/`` headers; "" when equal."""
    if old == new:
        return ""
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"a/{display_path}",
        tofile=f"b/{display_path}",
        n=context,
    )
    return "".join(line if line.endswith("\n") else f"{line}\n{_NO_NEWLINE}" for line in lines)


def _lines(text: str) -> list[str]:
    """Split after each ``\\n`` only: YAML's line breaks, unlike str.splitlines's many."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines
