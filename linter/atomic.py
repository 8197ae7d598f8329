"""Atomic file replacement: a reader sees the old bytes or the new bytes, never a mix.

The new content goes to a temporary file in the target's directory (same file
system, so the rename is atomic), is fsynced, gets the old file's mode (and
owner, when we are root), and is renamed over the target; then the directory is
fsynced so the rename itself survives a crash. A symlink is followed and its
target is replaced, so the link stays a link.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

_TEMP_SUFFIX = ".imagepin-tmp"


class WriteError(Exception):
    """The file was not written; the message says why. The file is unchanged."""


class Targets:
    """The real files ``fix`` may write, found with few system calls: a directory is
    resolved once per run, not once per file in it. Call it with a path and its root."""

    def __init__(self) -> None:
        self._directories: dict[Path, Path] = {}

    def __call__(self, path: Path, root: Path) -> Path:
        """The real file ``path`` names (symlinks followed), if it lies inside ``root``, the
        real directory the path was given as or found in (discovery.SourceFile.root).

        Raise WriteError when it is outside: a link out of the scanned tree must not let
        ``fix`` rewrite a file it was not given, whatever the working directory is.
        """
        if path.is_symlink():
            target = path.resolve()
        else:
            directory = self._directories.get(path.parent)
            if directory is None:
                directory = self._directories[path.parent] = path.parent.resolve()
            target = directory / path.name
        if not target.is_relative_to(root):
            raise WriteError(f"{path}: its real path {target} is outside {root}, the tree given")
        return target


def write_atomic(
    path: Path,
    data: bytes,
    *,
    expected: bytes | None = None,
    sync_directory: bool = True,
    resolved: bool = False,
) -> None:
    """Replace the content of the existing file ``path`` with ``data``, atomically.

    ``expected`` is the content the caller read and based ``data`` on: when the
    file now holds something else, another process changed it meanwhile and
    WriteError is raised instead of losing that change. Read-only files are
    refused, never made writable. ``sync_directory=False`` leaves the fsync of the
    directory (which makes the rename durable) to the caller: one
    :func:`sync_directories` after many writes instead of one per file.
    ``resolved``: ``path`` is already real (from :class:`Targets`).
    """
    target = path if resolved else path.resolve()
    try:
        with _locked(target) as (current, info):
            if expected is not None and current != expected:
                raise WriteError(f"{path}: changed on disk since it was read; not written")
            if current == data:
                return
            _replace(target, data, info)
            if sync_directory:
                _fsync_directory(target.parent)
    except OSError as error:
        raise WriteError(f"{path}: {error.strerror or error}") from error


# Every system call here releases the GIL, and under a busy event loop each one can
# wait for it again: fix writes files in a worker while the registries answer, so the
# calls are the fewest that do the job (no buffered file objects, one stat each way).


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[tuple[bytes, os.stat_result]]:
    """Hold an exclusive advisory lock on ``target``; yield its current bytes and status.

    The lock is on the file itself, so no lock file is left in the user's tree.
    Because we replace the file by rename, a process may lock an inode that was
    just renamed away; it then sees the path names another inode and retries.
    """
    while True:
        # Without waiting: something swapped in for the file since it was read (a FIFO)
        # must not hold the run; only a regular file is written.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            locked = os.fstat(fd)
            if not stat.S_ISREG(locked.st_mode):
                raise WriteError(f"{target}: not a regular file; not written")
            fcntl.flock(fd, fcntl.LOCK_EX)
            locked = os.fstat(fd)
            now = os.stat(target)
            if (locked.st_dev, locked.st_ino) == (now.st_dev, now.st_ino):
                _check_writable(target, locked)
                yield _read_upto(fd, locked.st_size), locked
                return
        finally:
            os.close(fd)


def _read_upto(fd: int, size: int) -> bytes:
    """The file's bytes, ``size`` of them and one more at most: one byte past what the
    status said is enough to see that it changed (a file that never stops growing
    cannot keep us reading)."""
    chunks = []
    left = size + 1
    while left > 0 and (chunk := os.read(fd, left)):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _check_writable(target: Path, info: os.stat_result) -> None:
    # Root may write anything, so the mode bits decide what "read-only" means.
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise WriteError(f"{target}: file is read-only; not written")


def _replace(target: Path, data: bytes, info: os.stat_result) -> None:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_TEMP_SUFFIX)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if os.geteuid() == 0:
                # Before the mode: a change of owner clears the setuid and setgid bits.
                os.fchown(fd, info.st_uid, info.st_gid)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def sync_directories(paths: Iterable[Path]) -> None:
    """Make the renames of files written with ``sync_directory=False`` durable; ``paths``
    are the real paths written (as :class:`Targets` gives them)."""
    for directory in sorted({path.parent for path in paths}):
        with contextlib.suppress(OSError):
            _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
