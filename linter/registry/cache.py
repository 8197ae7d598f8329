"""The persistent cache: tag -> digest for ``cache-ttl`` seconds, facts about a digest forever.

Signature verdicts ("signed", "verified with this key") are kept for ``cache-ttl`` too:
signatures are tags and referrers, which come and go.

One small JSON file per entry, written to a temporary file and renamed into place:
concurrent runs (two hooks at once) may both write an entry, but a reader only
ever sees a whole file, and a damaged or foreign file is just a miss. No secret is
ever stored here (tokens stay in memory). Only answers that something exists are
kept; "not found" is asked again next time, so pushing the image fixes the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from linter.model import PlatformEntry, Signature, SignatureState, SignatureStatus
from linter.registry.manifests import ImageFacts

#: Bumped when the layout or the meaning of an entry changes; old entries are then ignored.
LAYOUT = "v1"
T = TypeVar("T")


@dataclass(frozen=True)
class TagFacts:
    """What a tag pointed to when it was asked."""

    digest: str
    media_type: str


@dataclass(frozen=True)
class ManifestFacts:
    """What is known about a manifest digest in a repository; it never changes."""

    media_type: str
    #: True when the body was fetched and its hash checked against the digest.
    verified: bool = False
    #: An index's children, once fetched; None when not fetched (or not an index).
    children: tuple[PlatformEntry, ...] | None = None
    #: An image manifest's config blob digest, layer count and total layer size, once fetched.
    config: str | None = None
    layers: int | None = None
    size: int | None = None


class Cache:
    def __init__(self, directory: Path, ttl: float, clock: Callable[[], float] = time.time):
        self.directory = directory / LAYOUT
        self.ttl = ttl
        self._clock = clock
        #: Entries written during the run, put on disk by flush(): file I/O in the
        #: middle of resolution would stall every request waiting on the event loop.
        self._pending: dict[Path, dict[str, Any]] = {}

    def tag(self, name: str, tag: str) -> TagFacts | None:
        record = self._fresh(("tag", name, tag))
        if record is None:
            return None
        digest, media_type = record.get("digest"), record.get("media_type")
        if not isinstance(digest, str) or not isinstance(media_type, str):
            return None
        return TagFacts(digest, media_type)

    def put_tag(self, name: str, tag: str, facts: TagFacts) -> None:
        self._write(
            ("tag", name, tag),
            {"digest": facts.digest, "media_type": facts.media_type, "stored": self._clock()},
        )

    def manifest(self, name: str, digest: str) -> ManifestFacts | None:
        record = self._read(("manifest", name, digest))
        if record is None:
            return None
        children = record.get("children")
        try:
            entries = None if children is None else tuple(PlatformEntry(**c) for c in children)
            return ManifestFacts(
                str(record["media_type"]),
                bool(record["verified"]),
                entries,
                _optional(record, "config", str),
                _optional(record, "layers", int),
                _optional(record, "size", int),
            )
        except (KeyError, TypeError):
            return None

    def put_manifest(self, name: str, digest: str, facts: ManifestFacts) -> None:
        children = None
        if facts.children is not None:
            children = [
                {
                    "os": c.os,
                    "architecture": c.architecture,
                    "variant": c.variant,
                    "digest": c.digest,
                    "media_type": c.media_type,
                }
                for c in facts.children
            ]
        self._write(
            ("manifest", name, digest),
            {
                "media_type": facts.media_type,
                "verified": facts.verified,
                "children": children,
                "config": facts.config,
                "layers": facts.layers,
                "size": facts.size,
            },
        )

    def image(self, digest: str) -> ImageFacts | None:
        record = self._read(("image", digest))
        if record is None:
            return None
        labels, os_name, architecture = (
            record.get("labels"),
            record.get("os"),
            record.get("architecture"),
        )
        created, variant = record.get("created"), record.get("variant")
        if not (
            isinstance(labels, dict)
            and isinstance(os_name, str)
            and isinstance(architecture, str)
            and isinstance(created, (str, type(None)))
            and isinstance(variant, (str, type(None)))
        ):
            return None
        return ImageFacts(
            created, {str(k): str(v) for k, v in labels.items()}, os_name, architecture, variant
        )

    def put_image(self, digest: str, facts: ImageFacts) -> None:
        self._write(
            ("image", digest),
            {
                "created": facts.created,
                "labels": facts.labels,
                "os": facts.os,
                "architecture": facts.architecture,
                "variant": facts.variant,
            },
        )

    def signature(self, name: str, digest: str, keyring: str) -> SignatureStatus | None:
        """A verdict on ``digest``'s signatures made with the keys ``keyring`` fingerprints."""
        record = self._fresh(("signature", name, digest, keyring))
        if record is None:
            return None
        try:
            found = tuple(
                Signature(
                    str(s["kind"]),
                    str(s["source"]),
                    str(s["manifest"]),
                    _optional(s, "verified", bool),
                    _optional(s, "key", str),
                    str(s["reason"]),
                )
                for s in record["signatures"]
            )
            state = SignatureState(record["state"])
            return SignatureStatus(digest, state, found, str(record["reason"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put_signature(self, name: str, keyring: str, status: SignatureStatus) -> None:
        self._write(
            ("signature", name, status.digest, keyring),
            {
                "state": status.state.value,
                "signatures": [asdict(s) for s in status.signatures],
                "reason": status.reason,
                "stored": self._clock(),
            },
        )

    def _fresh(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        """An entry stored less than ``ttl`` seconds ago."""
        record = self._read(key)
        if record is None:
            return None
        stored = record.get("stored")
        now = self._clock()
        # An entry "from the future" (clock moved back) is not trusted either.
        if not isinstance(stored, (int, float)) or not now - self.ttl < stored <= now + 60:
            return None
        return record

    def _path(self, key: tuple[str, ...]) -> Path:
        name = hashlib.sha256("\0".join(key).encode()).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def _read(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        path = self._path(key)
        record = self._pending.get(path)
        if record is not None:
            return record
        try:
            with path.open("rb") as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            return None
        # The key is stored too, so a hash collision or a stray file is a miss, never a lie.
        if not isinstance(record, dict) or record.get("key") != list(key):
            return None
        return record

    def _write(self, key: tuple[str, ...], record: dict[str, Any]) -> None:
        self._pending[self._path(key)] = {"key": list(key), **record}

    def flush(self) -> None:
        """Write the entries of this run (the resolver does at its end)."""
        pending, self._pending = self._pending, {}
        for path, record in pending.items():
            _store(path, record)


def _store(path: Path, record: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # a cache that cannot be written (read-only home, full disk) only costs speed


def _optional(record: dict[str, Any], key: str, kind: type[T]) -> T | None:
    value = record.get(key)
    if value is None:
        return None
    # bool is an int to isinstance, but never a count.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise TypeError(key)
    return value
