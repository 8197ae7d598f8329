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


def resolve_target(path: Path, root: Path) -> Path:
    """The real file ``path`` names (symlinks followed), if it lies inside ``root``.

    Raise WriteError when it is outside: a link out of the scanned tree must not
    let ``fix`` rewrite someone else's file.
    """
    target = path.resolve()
    real_root = root.resolve()
    if not target.is_relative_to(real_root):
        raise WriteError(f"{path}: symlink target {target} is outside {real_root}; not written")
    return target


def write_atomic(
    path: Path, data: bytes, *, expected: bytes | None = None, sync_directory: bool = True
) -> None:
    """Replace the content of the existing file ``path`` with ``data``, atomically.

    ``expected`` is the content the caller read and based ``data`` on: when the
    file now holds something else, another process changed it meanwhile and
    WriteError is raised instead of losing that change. Read-only files are
    refused, never made writable. ``sync_directory=False`` leaves the fsync of the
    directory (which makes the rename durable) to the caller: one
    :func:`sync_directories` after many writes instead of one per file.
    """
    target = path.resolve()
    try:
        with _locked(target) as current:
            if expected is not None and current != expected:
                raise WriteError(f"{path}: changed on disk since it was read; not written")
            if current == data:
                return
            _replace(target, data)
            if sync_directory:
                _fsync_directory(target.parent)
    except OSError as error:
        raise WriteError(f"{path}: {error.strerror or error}") from error


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[bytes]:
    """Hold an exclusive advisory lock on ``target`` and yield its current bytes.

    The lock is on the file itself, so no lock file is left in the user's tree.
    Because we replace the file by rename, a process may lock an inode that was
    just renamed away; it then sees the path names another inode and retries.
    """
    while True:
        fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            locked = os.fstat(fd)
            now = os.stat(target)
            if (locked.st_dev, locked.st_ino) == (now.st_dev, now.st_ino):
                _check_writable(target, locked)
                with os.fdopen(os.dup(fd), "rb") as file:
                    current = file.read()
                yield current
                return
        finally:
            os.close(fd)


def _check_writable(target: Path, info: os.stat_result) -> None:
    # Root may write anything, so the mode bits decide what "read-only" means.
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise WriteError(f"{target}: file is read-only; not written")


def _replace(target: Path, data: bytes) -> None:
    info = os.stat(target)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fchmod(file.fileno(), stat.S_IMODE(info.st_mode))
            if os.geteuid() == 0:
                os.fchown(file.fileno(), info.st_uid, info.st_gid)
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def sync_directories(paths: Iterable[Path]) -> None:
    """Make the renames of files written with ``sync_directory=False`` durable."""
    for directory in sorted({path.resolve().parent for path in paths}):
        with contextlib.suppress(OSError):
            _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
