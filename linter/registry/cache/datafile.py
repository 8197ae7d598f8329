"""The cache's one data file: loaded (or nothing, when it is damaged), pruned to the
recent records, merged under a lock, replaced by a rename so readers see it whole."""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from linter import safe_read, untrusted_json

#: Records older than this (seconds) are dropped when the file is written.
MAX_AGE = 30 * 86400
#: At most this many records are kept, the newest: the file is read whole by every run.
MAX_ENTRIES = 20_000
#: A data file larger than this is not read (a miss, rewritten by the next flush): 20,000
#: records of an index with a dozen platforms each take about 50 MB.
MAX_FILE = 64 * 1024 * 1024
#: A record stored further in the future than this (clock moved back) is dropped too.
_MAX_FUTURE = 86400


def load(path: Path) -> dict[str, Any]:
    """The records in ``path``; none when it is missing, unreadable, too large or damaged
    (the next flush then writes a good file)."""
    try:
        records = untrusted_json.loads(safe_read.read_bytes(path, limit=MAX_FILE))
    except (safe_read.ReadError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def pruned(records: dict[str, Any], now: float) -> dict[str, Any]:
    """The records worth keeping: recent ones, and only the newest MAX_ENTRIES of those."""
    kept = {
        name: record
        for name, record in records.items()
        if isinstance(record, dict) and _recent(record.get("stored"), now)
    }
    if len(kept) <= MAX_ENTRIES:
        return kept
    return dict(heapq.nlargest(MAX_ENTRIES, kept.items(), key=lambda item: item[1]["stored"]))


def _recent(stored: object, now: float) -> bool:
    return isinstance(stored, (int, float)) and now - MAX_AGE < stored <= now + _MAX_FUTURE


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``path`` (created if need be); closing releases it.

    Opened without waiting (a FIFO put there would wait for a reader forever) and
    refused (OSError) unless it is a regular file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(path, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write(path: Path, records: dict[str, Any]) -> None:
    # One string and one write: json.dump to a file writes chunk by chunk, slower.
    replace_file(path, json.dumps(records, separators=(",", ":")).encode())


def replace_file(path: Path, data: bytes) -> None:
    """Writes ``path`` through a temporary file and a rename: readers see old or new, whole.
    The file is its owner's only (mkstemp's mode)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
