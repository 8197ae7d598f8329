"""Which lines of a pull request can take a review comment: the RIGHT side of its diff hunks."""

from __future__ import annotations

import re

_HUNK = re.compile(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def right_lines(patch: str) -> dict[int, str]:
    """The new-file lines a ``patch`` (from the PR files API) shows: number -> text.

    Context and added lines count; removed lines and ``\\ No newline`` markers
    do not. Lines outside every hunk cannot be commented on.
    """
    lines: dict[int, str] = {}
    number = remaining = 0
    for line in patch.split("\n"):
        header = _HUNK.match(line)
        if header is not None:
            number = int(header.group(1))
            remaining = int(header.group(2) or "1")
            continue
        if remaining <= 0 or line.startswith(("-", "\\")):
            continue
        lines[number] = line[1:].removesuffix("\r")
        number += 1
        remaining -= 1
    return lines
