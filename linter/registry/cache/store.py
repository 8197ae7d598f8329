"""The persistent cache: tag -> digest for ``cache-ttl`` seconds, facts about a digest 30 days.

Signature verdicts ("signed", "verified with this key") are kept for ``cache-ttl`` too:
signatures are tags and referrers, which come and go.

All entries live in one JSON file, read once on the first lookup and rewritten once at
the end of the run. One small file per entry (layout v1) cost a mkdir, a mkstemp and a
rename per new entry and an open per lookup: writing 200 new entries took 28-100 ms
(measured here / in a profiled run), a warm run of 200 images did 200 opens. One file:
0.35 ms to write 200 new entries, 0.25 ms to load 400 (ext4, CPython 3.11). Concurrent runs
(two hooks at once) take turns under a lock, each merging its entries into what is on
disk; the file is replaced by a rename, so a reader only ever sees a whole file. A
damaged file, or a damaged record in it, is just a miss. No secret is ever stored here
(tokens stay in memory). Only answers that something exists are kept; "not found" is
asked again next time, so pushing the image fixes the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from linter.model import PlatformEntry, Signature, SignatureState, SignatureStatus
from linter.records import Record, last_field_not_compared
from linter.registry.api.manifests import ImageFacts, checked_digest
from linter.registry.auth.challenge import Challenge
from linter.registry.cache.datafile import load, locked, pruned, write
from linter.registry.options import RegistryOptions

#: Bumped when the layout or the meaning of an entry changes; old entries are then ignored.
LAYOUT = "v2"
#: A registry's challenge (where its tokens come from) is kept this long: it changes with
#: the registry's set-up, rarely, and a stale one costs one refused request, as no
#: challenge does.
CHALLENGE_TTL = 7 * 86400
#: What a challenge record may hold: its scheme and these parameters, short strings.
_CHALLENGE_PARAMS = {"bearer": ("realm", "service"), "basic": ("realm",)}
_MAX_PARAM = 2048
T = TypeVar("T")


@last_field_not_compared
class TagFacts(Record):
    """What a tag pointed to when it was asked."""

    digest: str
    media_type: str
    #: Seconds since it was asked, when it comes from the cache; not compared.
    age: float | None = None


class ManifestFacts(Record):
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
    """Records by key in ``<directory>/v2/entries.json``; see the module docstring."""

    def __init__(self, directory: Path, ttl: float, clock: Callable[[], float] = time.time):
        self.directory = directory / LAYOUT
        self.ttl = ttl
        self._clock = clock
        self._data = self.directory / "entries.json"
        #: Entries written during the run, put on disk by flush(): file I/O in the
        #: middle of resolution would stall every request waiting on the event loop.
        self._pending: dict[str, dict[str, Any]] = {}
        #: The data file as last read or written; None until the first lookup.
        self._stored: dict[str, Any] | None = None

    def tag(self, name: str, tag: str) -> TagFacts | None:
        record = self._fresh(("tag", name, tag))
        if record is None:
            return None
        try:
            digest, media_type = _digest(record), _text(record, "media_type")
        except (KeyError, TypeError):
            return None
        return TagFacts(digest, media_type, age=self._clock() - record["stored"])

    def put_tag(self, name: str, tag: str, facts: TagFacts) -> None:
        self._write(
            ("tag", name, tag),
            {"digest": facts.digest, "media_type": facts.media_type},
        )

    def manifest(self, name: str, digest: str) -> ManifestFacts | None:
        record = self._read(("manifest", name, digest))
        if record is None:
            return None
        children = record.get("children")
        try:
            entries = None if children is None else tuple(_child(c) for c in children)
            config = _optional(record, "config", str)
            if config is not None and checked_digest(config) != config:
                raise TypeError("config")
            return ManifestFacts(
                _text(record, "media_type"),
                _required(record, "verified", bool),
                entries,
                config,
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
            and all(isinstance(value, str) for value in labels.values())
        ):
            return None
        return ImageFacts(created, labels, os_name, architecture, variant)

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
                    _text(s, "kind"),
                    _text(s, "source"),
                    _text(s, "manifest"),
                    _optional(s, "verified", bool),
                    _optional(s, "key", str),
                    _text(s, "reason"),
                )
                for s in record["signatures"]
            )
            state = SignatureState(record["state"])
            return SignatureStatus(digest, state, found, _text(record, "reason"))
        except (KeyError, TypeError, ValueError):
            return None

    def put_signature(self, name: str, keyring: str, status: SignatureStatus) -> None:
        self._write(
            ("signature", name, status.digest, keyring),
            {
                "state": status.state.value,
                "signatures": [s._asdict() for s in status.signatures],
                "reason": status.reason,
            },
        )

    def challenges(self, authority: str) -> tuple[Challenge, ...] | None:
        """The challenges ``authority`` (host[:port]) answered with last time: the scheme
        and where its tokens come from. The realm is checked again before any use."""
        record = self._fresh(("challenge", authority), CHALLENGE_TTL)
        found = record.get("challenges") if record is not None else None
        if not isinstance(found, list) or not 0 < len(found) <= len(_CHALLENGE_PARAMS):
            return None
        parsed = tuple(_challenge(entry) for entry in found)
        return None if None in parsed else tuple(c for c in parsed if c is not None)

    def put_challenges(self, authority: str, challenges: tuple[Challenge, ...]) -> None:
        """Keep the Bearer and Basic challenges of ``authority``, their realm and service
        only (never the scope or error a 401 adds for one request)."""
        kept = [
            {"scheme": c.scheme, **{k: c.params[k] for k in names if k in c.params}}
            for c in challenges
            for names in [_CHALLENGE_PARAMS.get(c.scheme)]
            if names is not None and c.get("realm")
        ]
        if kept:
            self._write(("challenge", authority), {"challenges": kept[: len(_CHALLENGE_PARAMS)]})

    def _fresh(self, key: tuple[str, ...], ttl: float | None = None) -> dict[str, Any] | None:
        """An entry stored less than ``ttl`` (default: the cache's) seconds ago."""
        record = self._read(key)
        if record is None:
            return None
        stored = record.get("stored")
        now = self._clock()
        limit = self.ttl if ttl is None else ttl
        # An entry "from the future" (clock moved back) is not trusted either.
        if not isinstance(stored, (int, float)) or not now - limit < stored <= now + 60:
            return None
        return record

    def _read(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        name = _name(key)
        if name is None:
            return None
        record = self._pending.get(name)
        if record is None:
            record = self._loaded().get(name)
        return record if isinstance(record, dict) else None

    def _loaded(self) -> dict[str, Any]:
        if self._stored is None:
            self._stored = load(self._data)
        return self._stored

    def _write(self, key: tuple[str, ...], record: dict[str, Any]) -> None:
        name = _name(key)
        if name is not None:
            # Every record carries its time: tags expire by it, and pruning goes by it.
            self._pending[name] = {**record, "stored": self._clock()}

    def flush(self) -> None:
        """Write the entries of this run (the resolver does at its end)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # The data file is replaced by a rename, so a separate file carries the lock.
            with locked(self.directory / "lock"):
                # Re-read: another run may have written since this one loaded the file.
                merged = pruned({**load(self._data), **pending}, self._clock())
                write(self._data, merged)
        except OSError:
            return  # a cache that cannot be written (read-only home, full disk) only costs speed
        self._stored = merged


def _challenge(entry: object) -> Challenge | None:
    """A stored challenge, or None when the record is not one this module writes."""
    if not isinstance(entry, dict):
        return None
    scheme = entry.get("scheme")
    names = _CHALLENGE_PARAMS.get(scheme) if isinstance(scheme, str) else None
    if names is None or set(entry) - {"scheme", *names}:
        return None
    params = {name: entry[name] for name in names if name in entry}
    if not params.get("realm") or not all(
        isinstance(value, str) and len(value) <= _MAX_PARAM for value in params.values()
    ):
        return None
    return Challenge(str(scheme), params)


def _name(key: tuple[str, ...]) -> str | None:
    """The key in the data file; None (not stored) if a part could make it ambiguous."""
    if any("\t" in part for part in key):
        return None
    return "\t".join(key)


def _required(record: Any, key: str, kind: type[T]) -> T:
    """``record[key]`` of type ``kind``; KeyError or TypeError otherwise (a damaged record
    is a miss, and the answer asked again replaces it)."""
    value = _optional(record, key, kind)
    if value is None:
        raise KeyError(key)
    return value


def _text(record: Any, key: str) -> str:
    return _required(record, key, str)


def _digest(record: Any) -> str:
    digest = _text(record, "digest")
    if checked_digest(digest) != digest:
        raise TypeError("digest")
    return digest


def _child(entry: Any) -> PlatformEntry:
    return PlatformEntry(
        _text(entry, "os"),
        _text(entry, "architecture"),
        _optional(entry, "variant", str),
        _digest(entry),
        _text(entry, "media_type"),
    )


def _optional(record: dict[str, Any], key: str, kind: type[T]) -> T | None:
    if not isinstance(record, dict):
        raise TypeError(key)
    value = record.get(key)
    if value is None:
        return None
    # bool is an int to isinstance, but never a count.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise TypeError(key)
    return value


def run_cache(options: RegistryOptions) -> Cache | None:
    """The persistent cache a run with ``options`` reads and writes; None when it is off."""
    return Cache(options.cache_dir, options.cache_ttl) if options.cache_dir else None
