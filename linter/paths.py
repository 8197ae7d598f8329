"""Paths as strings, shown as pathlib shows them, on the path of every check.

pathlib is not loaded by a check: importing it brings urllib.parse and ipaddress,
~16 M instructions of a one-file check's ~200 M. ``fix`` uses it (linter.atomic).
"""

from __future__ import annotations

import os
from collections.abc import Iterator


def joined(base: str, argument: str) -> str:
    """``argument`` (absolute, or relative to ``base``) as pathlib joins and shows it: no
    ``.`` parts, no doubled or trailing separators; ``..`` kept, since through a directory
    link it is not the lexical parent."""
    path = os.path.join(base, argument)
    parts = [part for part in path.split(os.sep) if part not in ("", ".")]
    return (os.sep if path.startswith(os.sep) else "") + os.sep.join(parts) or "."


def is_within(path: str, directory: str) -> bool:
    """Whether the absolute ``path`` is ``directory`` or below it, compared by parts as
    ``PurePath.is_relative_to`` compares (``/a/bc`` is not below ``/a/b``)."""
    return os.path.commonpath((path, directory)) == directory


def parent(path: str) -> str:
    """The directory ``path`` is in: ``.`` for a bare name, as ``PurePath.parent``."""
    return os.path.dirname(path) or "."


def up_to_repository_root(directory: str) -> Iterator[str]:
    """``directory``, then each directory above it, up to the repository's root (the one
    holding ``.git``) or the file system's."""
    while True:
        yield directory
        above = os.path.dirname(directory)
        if os.path.exists(os.path.join(directory, ".git")) or above == directory:
            return
        directory = above
