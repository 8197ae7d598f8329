"""The one way imagepin opens a file to read it: regular files only, never past a size cap.

Every file the tool reads goes through here: manifests and Dockerfiles, the files
an extractor reads beside them (Helm's ``Chart.yaml`` and ``values.yaml``, GitLab
local includes, ``.env`` files), configuration files, Docker and Podman credential
files, ``certs.d`` certificates and keys, signature keys, the cache and the JSON a
command is given. Any of them can be a committed symbolic link to ``/dev/zero``
(endless) or a FIFO (an ``open`` that waits for a writer forever): the file is
opened with ``O_NONBLOCK``, which never waits, and the descriptor's own status
decides, so nothing can swap the file between the check and the read. A file that
grows past its ``fstat`` size is cut off at the cap all the same.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator

#: What a file of settings or credentials may weigh; the manifests have their own cap
#: (linter.source). The largest real Docker config.json seen is a few kilobytes.
SMALL_FILE = 1024 * 1024

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
#: The errors that mean "there is no such file" (a parent that is a file counts).
_MISSING = frozenset({errno.ENOENT, errno.ENOTDIR})


class ReadError(Exception):
    """A file that cannot be read; the message is the reason, on one line (never its content).

    ``missing`` is True when there is no file at the path (nothing, or a directory):
    callers that look for optional files (credential files) skip those and report the rest.
    """

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


@contextlib.contextmanager
def opened(path: str | os.PathLike[str]) -> Iterator[tuple[int, os.stat_result]]:
    """A read-only descriptor of the regular file ``path`` and its status; ReadError when
    it is anything else (a directory, a FIFO, a device, a socket) or cannot be opened."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise ReadError(_reason(exc), missing=exc.errno in _MISSING) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("is a directory", missing=True)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not a regular file")
        yield fd, info
    finally:
        os.close(fd)


def read_bytes(path: str | os.PathLike[str], *, limit: int = SMALL_FILE) -> bytes:
    """The bytes of the regular file ``path``; ReadError past ``limit`` bytes or when it
    is not a regular file. Nothing is read when the size already says too large."""
    with opened(path) as (fd, info):
        if info.st_size > limit:
            raise ReadError(f"too large ({info.st_size} bytes; the limit is {limit})")
        chunks: list[bytes] = []
        size = 0
        try:
            # Up to one byte past the limit: a file growing under us is seen to be too large.
            while size <= limit and (chunk := os.read(fd, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            raise ReadError(_reason(exc)) from None
    if size > limit:
        raise ReadError(f"too large (more than {limit} bytes)")
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str], *, limit: int = SMALL_FILE) -> str:
    """The UTF-8 text of the regular file ``path`` (a byte order mark dropped); ReadError
    as :func:`read_bytes`, or when it is not UTF-8."""
    data = read_bytes(path, limit=limit).removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
