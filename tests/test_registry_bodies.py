"""The store of exact bodies ``inspect`` read: content-addressed, checked on every read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from registry_server import sha256

from linter.registry.cache import bodies
from linter.registry.cache.bodies import BodyStore

BODY = b'{"schemaVersion": 2}'
DIGEST = sha256(BODY)


class Clock:
    def __init__(self) -> None:
        # In the past: the files written now are "from the future" and stay unless the
        # test dates them.
        self.now = 1_000_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> BodyStore:
    return BodyStore(tmp_path / "bodies", Clock())


def stored_path(store: BodyStore, digest: str = DIGEST) -> Path:
    algorithm, _, encoded = digest.partition(":")
    return store.directory / algorithm / encoded


def test_round_trip_through_the_disk(store: BodyStore) -> None:
    assert store.get(DIGEST) is None
    store.put(DIGEST, BODY)
    assert store.get(DIGEST) == BODY  # pending, before the flush
    store.flush()
    again = BodyStore(store.directory)
    assert again.get(DIGEST) == BODY
    # The owner's only: a config holds the image's environment.
    assert stat.S_IMODE(stored_path(store).stat().st_mode) == 0o600
    assert [p.name for p in stored_path(store).parent.iterdir()] == [stored_path(store).name]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(BODY + b" "),
        lambda path: path.write_bytes(BODY[:-1]),
        lambda path: path.write_bytes(b""),
        lambda path: (path.unlink(), path.symlink_to(path.with_name("elsewhere"))),
        lambda path: (path.unlink(), path.symlink_to("/dev/zero")),
        lambda path: (path.unlink(), os.mkfifo(path)),
        lambda path: (path.unlink(), path.mkdir()),
        lambda path: path.write_bytes(BODY + b" " * bodies.MAX_BODY),
    ],
    ids=["altered", "truncated", "empty", "dangling-link", "dev-zero", "fifo", "directory", "huge"],
)
def test_a_damaged_or_odd_file_is_a_miss(store: BodyStore, damage: object) -> None:
    store.put(DIGEST, BODY)
    store.flush()
    damage(stored_path(store))  # type: ignore[operator]
    assert BodyStore(store.directory).get(DIGEST) is None


@pytest.mark.parametrize(
    "digest", ["sha256:../../etc/passwd", "sha256:" + "A" * 64, "md5:" + "a" * 32, "latest"]
)
def test_only_valid_digests_name_files(store: BodyStore, digest: str) -> None:
    store.put(digest, BODY)
    store.flush()
    assert store.get(digest) is None
    assert not store.directory.exists()


def test_pruned_by_age_count_and_size(store: BodyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    store = BodyStore(store.directory, clock)
    old = b"old"
    store.put(sha256(old), old)
    store.flush()
    os.utime(stored_path(store, sha256(old)), (0, clock.now - bodies.MAX_AGE - 1))
    monkeypatch.setattr(bodies, "MAX_FILES", 3)
    for index in range(5):
        body = f"body {index}".encode()
        store.put(sha256(body), body)
        store.flush()
        os.utime(stored_path(store, sha256(body)), (0, clock.now - 100 + index))
    store.put(DIGEST, BODY)
    store.flush()
    os.utime(stored_path(store), (0, clock.now))
    kept = {path.name for path in store.directory.glob("sha256/*")}
    newest = [sha256(f"body {i}".encode()) for i in (3, 4)] + [DIGEST]
    assert kept == {digest.partition(":")[2] for digest in newest}
    monkeypatch.setattr(bodies, "MAX_BYTES", len(BODY))
    store.put(sha256(b"x"), b"x")
    store.flush()
    assert {path.name for path in store.directory.glob("sha256/*")} == {
        sha256(b"x").partition(":")[2]
    }


def test_a_store_that_cannot_be_written_costs_nothing_but_requests(tmp_path: Path) -> None:
    (tmp_path / "bodies").write_text("a file where the directory should be")
    store = BodyStore(tmp_path / "bodies")
    store.put(DIGEST, BODY)
    store.flush()  # no exception
    assert BodyStore(tmp_path / "bodies").get(DIGEST) is None
