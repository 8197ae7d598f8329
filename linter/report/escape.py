"""Text from files and registries made safe to print on a terminal and in a CI log.

A file name, an image or a registry's message may hold control characters (ESC
starts a terminal escape sequence, CR rewrites a line, LF starts a new one). Every
command and format prints them escaped: ``printable`` (the JSON formats escape
them as JSON does). And a CI runner reads any log line that, once its leading
whitespace is trimmed, starts with ``::`` as a workflow command: a file named
``::warning title=X::a.yaml`` printed at the start of a line would become an
annotation. ``at_line_start`` keeps such a path the same path (``./`` in front).
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with each character ``str.isprintable`` refuses (control characters, line
    and paragraph separators) written as its Python escape: ``\\x1b``, ``\\n``, ``\\u2028``."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def at_line_start(path: str) -> str:
    """``path``, printable, to begin a line with: never the start of a workflow command."""
    shown = printable(path)
    return f"./{shown}" if shown.lstrip().startswith("::") else shown
