from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from registry_server import (
    PASSWORD,
    FakeRegistry,
    build_image,
    multi_platform,
    resolve_offline,
)

from linter.model import PlatformEntry
from linter.registry import RegistryOptions
from linter.registry.cache import LAYOUT, Cache, ImageFacts, ManifestFacts, TagFacts

DIGEST = "sha256:" + "a" * 64
CHILDREN = (
    PlatformEntry("linux", "amd64", None, "sha256:" + "b" * 64, "m"),
    PlatformEntry("linux", "arm", "v7", "sha256:" + "c" * 64, "m"),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> Cache:
    return Cache(tmp_path, ttl=600, clock=clock)


@pytest.mark.parametrize(
    ("age", "hit"),
    [(0, True), (599, True), (600, False), (10_000, False), (-30, True), (-3600, False)],
)
def test_tag_ttl(cache: Cache, clock: Clock, age: float, hit: bool) -> None:
    cache.put_tag("r.example/app", "1.0", TagFacts(DIGEST, "m"))
    clock.now += age
    assert cache.tag("r.example/app", "1.0") == (TagFacts(DIGEST, "m") if hit else None)


def test_tags_are_per_name_and_tag(cache: Cache) -> None:
    cache.put_tag("r.example/app", "1.0", TagFacts(DIGEST, "m"))
    assert cache.tag("r.example/app", "1.1") is None
    assert cache.tag("r.example/other", "1.0") is None


@pytest.mark.parametrize(
    "facts",
    [
        ManifestFacts("m"),
        ManifestFacts("index", verified=True, children=CHILDREN),
        ManifestFacts("image", verified=True, config=DIGEST, layers=3, size=12345),
        ManifestFacts("index", verified=True, children=()),
    ],
)
def test_manifest_facts_are_kept_forever(cache: Cache, clock: Clock, facts: ManifestFacts) -> None:
    cache.put_manifest("r.example/app", DIGEST, facts)
    clock.now += 10 * 365 * 86400
    assert cache.manifest("r.example/app", DIGEST) == facts
    assert cache.manifest("r.example/other", DIGEST) is None


def test_image_facts(cache: Cache) -> None:
    facts = ImageFacts("2024-01-01T00:00:00Z", {"a": "b"}, "linux", "arm", "v7")
    cache.put_image(DIGEST, facts)
    assert cache.image(DIGEST) == facts
    assert cache.image("sha256:" + "f" * 64) is None


def entry_files(directory: Path) -> list[Path]:
    return sorted((directory / LAYOUT).glob("*/*.json"))


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"key": ["tag", "other", "x"], "digest": "sha256:x", "media_type": "m", "stored": 1}',
        b'{"key": ["tag", "r.example/app", "1.0"], "digest": 5, "media_type": "m", "stored": 1000000}',
        b'{"key": ["tag", "r.example/app", "1.0"], "digest": "d", "media_type": "m", "stored": "x"}',
    ],
)
def test_damaged_or_foreign_entries_are_misses(cache: Cache, tmp_path: Path, damage: bytes) -> None:
    cache.put_tag("r.example/app", "1.0", TagFacts(DIGEST, "m"))
    cache.flush()
    (path,) = entry_files(tmp_path)
    path.write_bytes(damage)
    assert cache.tag("r.example/app", "1.0") is None


@pytest.mark.parametrize(
    "record",
    [
        {"media_type": "m", "verified": True, "children": [{"os": "linux"}]},
        {"media_type": "m", "verified": True, "children": None, "layers": "3"},
        {"media_type": "m"},
    ],
)
def test_damaged_manifest_entries_are_misses(
    cache: Cache, tmp_path: Path, record: dict[str, object]
) -> None:
    cache.put_manifest("n", DIGEST, ManifestFacts("m"))
    cache.flush()
    (path,) = entry_files(tmp_path)
    path.write_text(json.dumps({"key": ["manifest", "n", DIGEST], **record}))
    assert cache.manifest("n", DIGEST) is None


def test_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker, ttl=600)
    cache.put_tag("n", "t", TagFacts(DIGEST, "m"))
    cache.flush()
    assert cache.tag("n", "t") is None


def test_entries_are_written_at_the_end_of_the_run(cache: Cache, tmp_path: Path) -> None:
    cache.put_tag("n", "t", TagFacts(DIGEST, "m"))
    assert cache.tag("n", "t") == TagFacts(DIGEST, "m")  # this run sees it at once
    assert entry_files(tmp_path) == []
    cache.flush()
    assert len(entry_files(tmp_path)) == 1


def test_no_temporary_files_are_left(cache: Cache, tmp_path: Path) -> None:
    for i in range(20):
        cache.put_tag("n", str(i), TagFacts(DIGEST, "m"))
    cache.flush()
    assert not list(tmp_path.rglob("*.tmp"))
    assert len(entry_files(tmp_path)) == 20


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from linter.registry.cache import Cache, TagFacts, ManifestFacts
    cache = Cache(Path(sys.argv[1]), ttl=600)
    me = sys.argv[2]
    bad = 0
    for round in range(150):
        for key in range(8):
            cache.put_tag("shared/app", str(key), TagFacts("sha256:" + me * 64, me))
            cache.put_manifest("shared/app", str(key), ManifestFacts(me, True, None))
            cache.flush()
            seen = cache.tag("shared/app", str(key))
            if seen is None or seen.media_type not in "0123" or seen.digest != "sha256:" + seen.media_type * 64:
                bad += 1
    print(bad)
    """
)


def test_concurrent_runs_do_not_corrupt_the_cache(tmp_path: Path) -> None:
    """Two hooks at once (four here): every read sees a whole entry written by one of them."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(n)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        for n in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0].strip() for p in processes]
    assert all(p.returncode == 0 for p in processes)
    assert outputs == ["0", "0", "0", "0"]
    cache = Cache(tmp_path, ttl=600)
    for key in range(8):
        facts = cache.tag("shared/app", str(key))
        assert facts is not None and facts.digest == "sha256:" + facts.media_type * 64
    assert not list(tmp_path.rglob("*.tmp"))


# --- through the resolver -------------------------------------------------------------------

HOST = "registry.example"
MULTI = multi_platform("multi")
SINGLE = build_image("single")


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("app/single", "1.0", SINGLE)
    return registry


REFS = [
    f"{HOST}/app/multi:1.0",
    f"{HOST}/app/single:1.0",
    f"{HOST}/app/multi:1.0@{MULTI.child('linux/arm64').digest}",
    f"{HOST}/app/single@{SINGLE.digest}",
]


@pytest.mark.parametrize(
    "options",
    [
        RegistryOptions(),
        RegistryOptions(platform="linux/arm64"),
        RegistryOptions(need_platforms=True),
    ],
)
def test_second_run_makes_no_request(
    fake: FakeRegistry, tmp_path: Path, options: RegistryOptions
) -> None:
    from dataclasses import replace

    options = replace(options, cache_dir=tmp_path)
    first, stats = resolve_offline(REFS, fake, options)
    assert stats.requests > 0
    fake.requests.clear()
    second, stats = resolve_offline(REFS, fake, options)
    assert fake.requests == []
    assert (stats.requests, stats.token_requests) == (0, 0)
    assert stats.cache_hits > 0
    assert second == first


def test_expired_tags_are_asked_again_but_digest_facts_are_not(
    fake: FakeRegistry, tmp_path: Path
) -> None:
    options = RegistryOptions(cache_dir=tmp_path, cache_ttl=0, platform="linux/arm64")
    resolve_offline([f"{HOST}/app/multi:1.0"], fake, options)
    fake.requests.clear()
    answers, _ = resolve_offline([f"{HOST}/app/multi:1.0"], fake, options)
    assert answers[f"{HOST}/app/multi:1.0"].digest == MULTI.child("linux/arm64").digest
    assert [p for p in fake.paths() if "/manifests/" in p] == [
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
    ]


def test_a_moved_tag_is_seen_after_the_ttl(fake: FakeRegistry, tmp_path: Path) -> None:
    options = RegistryOptions(cache_dir=tmp_path, cache_ttl=0)
    resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    moved = build_image("single-2")
    fake.push("app/single", "1.0", moved)
    answers, _ = resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    assert answers[f"{HOST}/app/single:1.0"].digest == moved.digest


def test_without_a_cache_every_run_asks(fake: FakeRegistry) -> None:
    resolve_offline([f"{HOST}/app/single:1.0"], fake)
    fake.requests.clear()
    _, stats = resolve_offline([f"{HOST}/app/single:1.0"], fake)
    assert stats.requests > 0 and stats.cache_hits == 0


def test_failures_are_not_cached(fake: FakeRegistry, tmp_path: Path) -> None:
    options = RegistryOptions(cache_dir=tmp_path)
    resolve_offline([f"{HOST}/app/later:1.0"], fake, options)
    fake.push("app/later", "1.0", SINGLE)
    answers, _ = resolve_offline([f"{HOST}/app/later:1.0"], fake, options)
    assert answers[f"{HOST}/app/later:1.0"].digest == SINGLE.digest


def test_no_secret_reaches_the_cache(fake: FakeRegistry, tmp_path: Path) -> None:
    import base64

    fake.push("private/app", "1.0", SINGLE)
    auth = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    environ = {
        "HOME": "/nonexistent",
        "XDG_RUNTIME_DIR": "/nonexistent",
        "DOCKER_AUTH_CONFIG": json.dumps({"auths": {HOST: {"auth": auth}}}),
    }
    options = RegistryOptions(cache_dir=tmp_path / "cache")
    answers, _ = resolve_offline([f"{HOST}/private/app:1.0"], fake, options, environ=environ)
    assert answers[f"{HOST}/private/app:1.0"].digest == SINGLE.digest
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert stored
    for secret in (PASSWORD, auth, "tok:"):
        assert secret.encode() not in stored
