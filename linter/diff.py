"""Unified diffs of a fix, as plain text (the CLI adds colour on a terminal).

The diff is a faithful patch: ``git apply`` and ``patch -p1`` both reproduce what
``fix`` writes, byte for byte. Lines keep their own endings (a CRLF line shows as
ending in ``\\r\\n``), and a last line without a newline gets GNU diff's ``\\ No
newline at end of file`` marker instead of running into the next line. File names
are written as git writes them: C-quoted (``"a/na\\nme.yaml"``, octal escapes) when
they hold a double quote, a backslash, a control character or a non-ASCII
character, which both tools read; a name with a space ends at a tab, which GNU
patch needs to find its end. Only UTF-8 files get a diff (linter.rewrite refuses
the others: a text patch cannot reproduce UTF-16 bytes).
"""

from __future__ import annotations

_NO_NEWLINE = "\\ No newline at end of file\n"
#: git's C-style escapes (quote.c); other bytes that need quoting are written in octal.
_ESCAPES = {
    0x07: "\\a",
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def unified(display_path: str, old: str, new: str, *, context: int = 3) -> str:
    """The unified diff from ``old`` to ``new`` with ``a/``/``b/`` headers; "" when equal."""
    if old == new:
        return ""
    import difflib  # a diff only (``fix --diff``, the PR bot): not loaded by every fix

    hunks = list(difflib.unified_diff(_lines(old), _lines(new), n=context))[2:]
    body = "".join(line if line.endswith("\n") else f"{line}\n{_NO_NEWLINE}" for line in hunks)
    return f"--- {header_name('a/' + display_path)}\n+++ {header_name('b/' + display_path)}\n{body}"


def header_name(name: str) -> str:
    """``name`` as a ``---``/``+++`` header writes it (git's quoting, a tab after a space)."""
    data = name.encode("utf-8", "surrogateescape")
    if not any(byte < 0x20 or byte >= 0x7F or byte in (0x22, 0x5C) for byte in data):
        return f"{name}\t" if " " in name else name
    quoted = "".join(
        _ESCAPES.get(byte) or (chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03o}")
        for byte in data
    )
    return f'"{quoted}"'


def _lines(text: str) -> list[str]:
    """Split after each ``\\n`` only: YAML's line breaks, unlike str.splitlines's many."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines
