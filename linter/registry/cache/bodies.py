"""The exact bytes ``inspect`` read (manifests and config blobs), kept by their digests.

``--raw`` and ``--config-blob`` print bodies byte for byte, and the JSON is read from
them, so a second ``inspect`` of the same digest needs the bytes themselves, not only
the facts that ``entries.json`` keeps for ``check``. They live apart from it, one file
per body, ``<cache>/v2/bodies/<algorithm>/<hex>``, because every hook run reads
``entries.json`` whole and only ``inspect`` needs bodies.

The store is content-addressed: a body is hashed again each time it is read, and one
that no longer matches its name (damaged, altered, truncated) is a miss, as is a file
that is not a regular file or is larger than any answer the client accepts
(linter.safe_read). Files are
created readable by their owner only (a config holds the image's environment).
Written at the end of the run (like ``entries.json``); then files older than
``MAX_AGE`` are removed, and the oldest beyond ``MAX_FILES`` or ``MAX_BYTES``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from linter import safe_read
from linter.reference import InvalidReference, validate_digest
from linter.registry.api.manifests import digest_of
from linter.registry.cache.datafile import replace_file

MAX_AGE = 30 * 86400
MAX_FILES = 2000
MAX_BYTES = 64 * 1024 * 1024
#: No manifest or config blob answer is accepted above this (registry/limits.py).
MAX_BODY = 4 * 1024 * 1024


class BodyStore:
    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self._clock = clock
        self._pending: dict[str, bytes] = {}

    def get(self, digest: str) -> bytes | None:
        """The body whose digest is ``digest``, checked; None when absent or damaged."""
        if digest in self._pending:
            return self._pending[digest]
        path = self._path(digest)
        if path is None:
            return None
        try:
            body = safe_read.read_bytes(path, limit=MAX_BODY)
        except safe_read.ReadError:
            return None
        return body if digest_of(body, digest.partition(":")[0]) == digest else None

    def put(self, digest: str, body: bytes) -> None:
        """Keep ``body``, which the caller has checked against ``digest``; written by flush()."""
        if self._path(digest) is not None:
            self._pending[digest] = body

    def flush(self) -> None:
        """Write the bodies of this run, then prune; a store that cannot be written only
        costs requests next time."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        with contextlib.suppress(OSError):
            for digest, body in pending.items():
                path = self._path(digest)
                assert path is not None  # put() kept valid digests only
                if not path.exists():
                    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    replace_file(path, body)
            self._prune()

    def _path(self, digest: str) -> Path | None:
        """Where ``digest`` is kept; None for a digest that is not a valid one (never a path
        outside the store)."""
        try:
            algorithm, _, encoded = validate_digest(digest).partition(":")
        except InvalidReference:
            return None
        return self.directory / algorithm / encoded

    def _prune(self) -> None:
        files = []
        for path in self.directory.glob("*/*"):
            with contextlib.suppress(OSError):
                info = path.lstat()
                files.append((info.st_mtime, info.st_size, path))
        files.sort(reverse=True)
        now, kept, total = self._clock(), 0, 0
        for modified, size, path in files:
            kept, total = kept + 1, total + size
            if now - modified > MAX_AGE or kept > MAX_FILES or total > MAX_BYTES:
                with contextlib.suppress(OSError):
                    path.unlink()
