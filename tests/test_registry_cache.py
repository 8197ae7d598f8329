from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

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
from linter.registry.auth.challenge import Challenge, parse_challenges
from linter.registry.cache import datafile as cache_module
from linter.registry.cache.datafile import MAX_AGE
from linter.registry.cache.store import (
    CHALLENGE_TTL,
    LAYOUT,
    Cache,
    ImageFacts,
    ManifestFacts,
    TagFacts,
)

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
def test_manifest_facts_outlive_the_ttl(tmp_path: Path, clock: Clock, facts: ManifestFacts) -> None:
    cache = Cache(tmp_path, ttl=600, clock=clock)
    cache.put_manifest("r.example/app", DIGEST, facts)
    cache.flush()
    clock.now += MAX_AGE - 60
    later = Cache(tmp_path, ttl=600, clock=clock)
    assert later.manifest("r.example/app", DIGEST) == facts
    assert later.manifest("r.example/other", DIGEST) is None


def test_image_facts(cache: Cache, clock: Clock, tmp_path: Path) -> None:
    facts = ImageFacts("2024-01-01T00:00:00Z", {"a": "b"}, "linux", "arm", "v7")
    cache.put_image(DIGEST, facts)
    assert cache.image(DIGEST) == facts
    cache.flush()
    later = Cache(tmp_path, ttl=600, clock=clock)
    assert later.image(DIGEST) == facts
    assert later.image("sha256:" + "f" * 64) is None


def data_file(directory: Path) -> Path:
    return directory / LAYOUT / "entries.json"


def stored(directory: Path) -> dict[str, dict[str, object]]:
    """The records in the data file, by key string."""
    records: dict[str, dict[str, object]] = json.loads(data_file(directory).read_text())
    return records


def write_records(directory: Path, records: dict[str, object]) -> None:
    data_file(directory).parent.mkdir(parents=True, exist_ok=True)
    data_file(directory).write_text(json.dumps(records))


TAG_KEY = "tag\tr.example/app\t1.0"
TAG_RECORD = {"digest": DIGEST, "media_type": "m", "stored": 1_000_000}


def test_entries_are_one_file_keyed_by_the_tab_joined_key(cache: Cache, tmp_path: Path) -> None:
    cache.put_tag("r.example/app", "1.0", TagFacts(DIGEST, "m"))
    cache.put_manifest("r.example/app", DIGEST, ManifestFacts("m"))
    cache.put_image(DIGEST, ImageFacts(None, {}, "linux", "amd64", None))
    cache.flush()
    assert sorted(p.name for p in (tmp_path / LAYOUT).iterdir()) == ["entries.json", "lock"]
    records = stored(tmp_path)
    assert sorted(records) == [f"image\t{DIGEST}", f"manifest\tr.example/app\t{DIGEST}", TAG_KEY]
    assert {r["stored"] for r in records.values()} == {1_000_000}


@pytest.mark.parametrize(
    "damage",
    [b"", b"{not json", b"[]", b'"text"', b"\xff\xfe{}", b"[" * 100_000],
)
def test_a_damaged_file_means_every_lookup_misses(
    cache: Cache, clock: Clock, tmp_path: Path, damage: bytes
) -> None:
    cache.put_tag("r.example/app", "1.0", TagFacts(DIGEST, "m"))
    cache.put_manifest("r.example/app", DIGEST, ManifestFacts("m"))
    cache.flush()
    data_file(tmp_path).write_bytes(damage)
    later = Cache(tmp_path, ttl=600, clock=clock)
    assert later.tag("r.example/app", "1.0") is None
    assert later.manifest("r.example/app", DIGEST) is None
    # ... and the next flush replaces it with a whole file again.
    later.put_tag("r.example/app", "2.0", TagFacts(DIGEST, "m"))
    later.flush()
    assert list(stored(tmp_path)) == ["tag\tr.example/app\t2.0"]


@pytest.mark.parametrize(
    "record",
    [
        5,
        [],
        "text",
        None,
        {**TAG_RECORD, "digest": 5},
        {**TAG_RECORD, "media_type": None},
        {**TAG_RECORD, "stored": "x"},
        {"digest": DIGEST, "media_type": "m"},
        {**TAG_RECORD, "stored": 1_000_000 + 3600},  # from the future
    ],
)
def test_damaged_tag_records_are_misses(tmp_path: Path, clock: Clock, record: object) -> None:
    write_records(tmp_path, {TAG_KEY: record, "tag\tr.example/app\t2.0": TAG_RECORD})
    cache = Cache(tmp_path, ttl=600, clock=clock)
    assert cache.tag("r.example/app", "1.0") is None
    assert cache.tag("r.example/app", "2.0") == TagFacts(DIGEST, "m")  # its neighbour is fine


@pytest.mark.parametrize(
    "record",
    [
        {"media_type": "m", "verified": True, "children": [{"os": "linux"}]},
        {"media_type": "m", "verified": True, "children": None, "layers": "3"},
        {"media_type": "m", "verified": True, "children": None, "size": True},
        {"media_type": "m"},
        ["m", True],
    ],
)
def test_damaged_manifest_records_are_misses(
    cache: Cache, tmp_path: Path, record: dict[str, object]
) -> None:
    write_records(tmp_path, {f"manifest\tn\t{DIGEST}": record})
    assert cache.manifest("n", DIGEST) is None


@pytest.mark.parametrize(
    "record",
    [
        {"created": None, "labels": [], "os": "linux", "architecture": "amd64", "variant": None},
        {"created": 5, "labels": {}, "os": "linux", "architecture": "amd64", "variant": None},
        {"created": None, "labels": {}, "architecture": "amd64", "variant": None},
        {"created": None, "labels": {}, "os": "linux", "architecture": "amd64", "variant": 7},
    ],
)
def test_damaged_image_records_are_misses(
    cache: Cache, tmp_path: Path, record: dict[str, object]
) -> None:
    write_records(tmp_path, {f"image\t{DIGEST}": record})
    assert cache.image(DIGEST) is None


def test_a_key_with_a_tab_is_not_stored(cache: Cache, tmp_path: Path) -> None:
    cache.put_tag("r.example/app", "a\tb", TagFacts(DIGEST, "m"))
    cache.put_tag("r.example/app\ta", "b", TagFacts(DIGEST, "m"))
    assert cache.tag("r.example/app", "a\tb") is None
    assert cache.tag("r.example/app\ta", "b") is None
    cache.flush()
    assert not data_file(tmp_path).exists()


def test_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker, ttl=600)
    cache.put_tag("n", "t", TagFacts(DIGEST, "m"))
    cache.flush()
    assert cache.tag("n", "t") is None


def test_a_failed_write_leaves_no_temporary_file(cache: Cache, tmp_path: Path) -> None:
    data_file(tmp_path).mkdir(parents=True)  # os.replace cannot put a file over it
    cache.put_tag("n", "t", TagFacts(DIGEST, "m"))
    cache.flush()
    assert sorted(p.name for p in (tmp_path / LAYOUT).iterdir()) == ["entries.json", "lock"]
    assert data_file(tmp_path).is_dir()


def test_entries_are_written_at_the_end_of_the_run(cache: Cache, tmp_path: Path) -> None:
    cache.put_tag("n", "t", TagFacts(DIGEST, "m"))
    assert cache.tag("n", "t") == TagFacts(DIGEST, "m")  # this run sees it at once
    assert not (tmp_path / LAYOUT).exists()
    cache.flush()
    assert list(stored(tmp_path)) == ["tag\tn\tt"]


def test_nothing_pending_writes_nothing(cache: Cache, tmp_path: Path) -> None:
    assert cache.tag("n", "t") is None
    cache.flush()
    assert not (tmp_path / LAYOUT).exists()


def test_no_temporary_files_are_left(cache: Cache, tmp_path: Path) -> None:
    for i in range(20):
        cache.put_tag("n", str(i), TagFacts(DIGEST, "m"))
    cache.flush()
    assert not list(tmp_path.rglob("*.tmp"))
    assert len(stored(tmp_path)) == 20


def test_a_warm_cache_reads_the_file_once(
    cache: Cache, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(50):
        cache.put_tag("n", str(i), TagFacts(DIGEST, "m"))
    cache.flush()
    opened: list[Path] = []
    real_open = os.open

    def counting_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(Path(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting_open)
    warm = Cache(tmp_path, ttl=600, clock=clock)
    assert all(warm.tag("n", str(i)) == TagFacts(DIGEST, "m") for i in range(50))
    assert warm.tag("n", "missing") is None
    assert opened == [data_file(tmp_path)]
    data_file(tmp_path).unlink()
    assert warm.tag("n", "7") == TagFacts(DIGEST, "m")  # still in memory


def test_concurrent_writers_merge(tmp_path: Path, clock: Clock) -> None:
    """Two runs that loaded the file before either wrote: both runs' entries survive."""
    first, second = Cache(tmp_path, ttl=600, clock=clock), Cache(tmp_path, ttl=600, clock=clock)
    assert first.tag("n", "a") is None and second.tag("n", "b") is None  # both loaded it, empty
    first.put_tag("n", "a", TagFacts(DIGEST, "first"))
    first.put_tag("n", "both", TagFacts(DIGEST, "first"))
    first.flush()
    second.put_tag("n", "b", TagFacts(DIGEST, "second"))
    second.put_tag("n", "both", TagFacts(DIGEST, "second"))
    second.flush()
    assert second.tag("n", "a") == TagFacts(DIGEST, "first")  # its view is the merged file
    fresh = Cache(tmp_path, ttl=600, clock=clock)
    assert [fresh.tag("n", key) for key in ("a", "b", "both")] == [
        TagFacts(DIGEST, "first"),
        TagFacts(DIGEST, "second"),
        TagFacts(DIGEST, "second"),  # the later flush wins
    ]


def test_old_and_future_records_are_pruned(tmp_path: Path, clock: Clock) -> None:
    day = 86400
    write_records(
        tmp_path,
        {
            f"manifest\told\t{DIGEST}": {
                "media_type": "m",
                "verified": True,
                "stored": clock.now - 2 * MAX_AGE,
            },
            f"manifest\tmonth\t{DIGEST}": {
                "media_type": "m",
                "verified": True,
                "stored": clock.now - MAX_AGE,
            },
            f"manifest\trecent\t{DIGEST}": {
                "media_type": "m",
                "verified": True,
                "stored": clock.now - MAX_AGE + day,
            },
            f"manifest\tsoon\t{DIGEST}": {
                "media_type": "m",
                "verified": True,
                "stored": clock.now + 3600,
            },
            f"manifest\tfuture\t{DIGEST}": {
                "media_type": "m",
                "verified": True,
                "stored": clock.now + 2 * day,
            },
            f"manifest\tunknown\t{DIGEST}": {"media_type": "m", "verified": True},
            "tag\tn\tt": "not a record",
        },
    )
    cache = Cache(tmp_path, ttl=600, clock=clock)
    # Valid on read while in the file, whatever their age ...
    assert cache.manifest("old", DIGEST) == ManifestFacts("m", True)
    cache.put_tag("n", "new", TagFacts(DIGEST, "m"))
    cache.flush()
    # ... and dropped when a flush writes the file.
    assert sorted(stored(tmp_path)) == [
        f"manifest\trecent\t{DIGEST}",
        f"manifest\tsoon\t{DIGEST}",
        "tag\tn\tnew",
    ]
    assert cache.manifest("old", DIGEST) is None


def test_manifest_facts_are_kept_30_days(tmp_path: Path, clock: Clock) -> None:
    cache = Cache(tmp_path, ttl=600, clock=clock)
    cache.put_manifest("n", DIGEST, ManifestFacts("m"))
    cache.flush()
    clock.now += MAX_AGE - 60
    assert Cache(tmp_path, ttl=600, clock=clock).manifest("n", DIGEST) == ManifestFacts("m")
    clock.now += 120
    later = Cache(tmp_path, ttl=600, clock=clock)
    later.put_tag("n", "t", TagFacts(DIGEST, "m"))
    later.flush()
    assert Cache(tmp_path, ttl=600, clock=clock).manifest("n", DIGEST) is None


def test_only_the_newest_records_are_kept(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    first = Cache(tmp_path, ttl=600, clock=clock)
    for i in range(3):
        clock.now += 1
        first.put_tag("n", str(i), TagFacts(DIGEST, "m"))
    first.flush()
    second = Cache(tmp_path, ttl=600, clock=clock)
    for i in range(3, 5):
        clock.now += 1
        second.put_tag("n", str(i), TagFacts(DIGEST, "m"))
    second.flush()
    assert sorted(stored(tmp_path)) == ["tag\tn\t2", "tag\tn\t3", "tag\tn\t4"]
    assert second.tag("n", "0") is None  # the in-memory view is the pruned file


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from linter.registry.cache.store import Cache, TagFacts, ManifestFacts
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


# --- a registry's challenge -----------------------------------------------------------------

CHALLENGE_KEY = "challenge\tr.example:5000"
BEARER = {"scheme": "bearer", "realm": "https://auth.example/token", "service": "r.example"}


def test_a_challenge_is_kept_without_what_a_401_adds_for_one_request(
    cache: Cache, tmp_path: Path, clock: Clock
) -> None:
    (challenge,) = parse_challenges(
        [
            'Bearer realm="https://auth.example/token",service="r.example",'
            'scope="repository:app:pull",error="insufficient_scope"'
        ]
    )
    cache.put_challenges("r.example:5000", (challenge, Challenge("negotiate", {"": "abc=="})))
    cache.flush()
    assert stored(tmp_path)[CHALLENGE_KEY] == {"challenges": [BEARER], "stored": clock.now}
    expected = (Challenge("bearer", {k: v for k, v in BEARER.items() if k != "scheme"}),)
    assert Cache(tmp_path, ttl=600, clock=clock).challenges("r.example:5000") == expected
    # Kept longer than tags: it changes with the registry's set-up, not with a push.
    clock.now += CHALLENGE_TTL - 1
    assert Cache(tmp_path, ttl=600, clock=clock).challenges("r.example:5000") == expected
    clock.now += 2
    assert Cache(tmp_path, ttl=600, clock=clock).challenges("r.example:5000") is None


def test_a_challenge_without_a_realm_is_not_kept(cache: Cache, tmp_path: Path) -> None:
    cache.put_challenges("r.example:5000", (Challenge("bearer", {"service": "x"}),))
    cache.flush()
    assert not data_file(tmp_path).exists()


@pytest.mark.parametrize(
    "record",
    [
        {"challenges": []},
        {"challenges": "bearer"},
        {"challenges": [BEARER, BEARER, BEARER]},
        {"challenges": [{**BEARER, "scheme": "negotiate"}]},
        {"challenges": [{**BEARER, "scope": "repository:app:pull"}]},
        {"challenges": [{**BEARER, "realm": ""}]},
        {"challenges": [{**BEARER, "realm": 7}]},
        {"challenges": [{**BEARER, "service": "s" * 5000}]},
        {"challenges": [BEARER, ["basic"]]},
        {"challenges": [{"scheme": "bearer", "service": "r.example"}]},
        {"challenges": [BEARER], "stored": "yesterday"},
        [BEARER],
    ],
)
def test_damaged_challenge_records_are_misses(tmp_path: Path, clock: Clock, record: object) -> None:
    if isinstance(record, dict):
        record = {"stored": clock.now, **record}
    write_records(tmp_path, {CHALLENGE_KEY: record})
    assert Cache(tmp_path, ttl=600, clock=clock).challenges("r.example:5000") is None


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
    options = options._replace(cache_dir=tmp_path)
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
    # One HEAD: the registry's challenge is kept, so the request is not refused first.
    assert [p for p in fake.paths() if "/manifests/" in p] == [
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
    ]


def test_a_moved_tag_is_seen_after_the_ttl(fake: FakeRegistry, tmp_path: Path) -> None:
    options = RegistryOptions(cache_dir=tmp_path, cache_ttl=0)
    resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    moved = build_image("single-2")
    fake.push("app/single", "1.0", moved)
    answers, _ = resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    assert answers[f"{HOST}/app/single:1.0"].digest == moved.digest


def _without_query(paths: list[str]) -> list[str]:
    return [path.partition("?")[0] for path in paths]


def test_a_registry_known_from_an_earlier_run_gets_no_refused_request(
    fake: FakeRegistry, tmp_path: Path
) -> None:
    """The challenge the first run learnt is kept: the next run's first request carries its
    token, instead of going bare to be refused (a request and a round trip less)."""
    options = RegistryOptions(cache_dir=tmp_path)
    resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    assert _without_query(fake.paths()) == [
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
        "GET auth.example/token",
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
    ]
    fake.requests.clear()
    answers, _ = resolve_offline([f"{HOST}/app/multi:1.0"], fake, options)
    assert answers[f"{HOST}/app/multi:1.0"].digest == MULTI.digest
    assert _without_query(fake.paths()) == [
        "GET auth.example/token",
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
    ]


def test_a_stale_challenge_is_learnt_again(fake: FakeRegistry, tmp_path: Path) -> None:
    """The registry moved its token server since the challenge was kept: the token request
    to the old one is refused, and the run goes on as if nothing were known."""
    options = RegistryOptions(cache_dir=tmp_path)
    moved_from, fake.realm = fake.realm, "https://auth-old.example/token"
    resolve_offline([f"{HOST}/app/multi:1.0"], fake, options)
    assert stored(tmp_path)[f"challenge\t{HOST}"]["challenges"][0]["realm"] == fake.realm
    fake.realm = moved_from
    fake.requests.clear()
    answers, stats = resolve_offline([f"{HOST}/app/single:1.0"], fake, options)
    assert answers[f"{HOST}/app/single:1.0"].digest == SINGLE.digest
    assert stats.registries_failed == {}
    assert _without_query(fake.paths()) == [
        "GET auth-old.example/token",  # refused: not the token server any more
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
        "GET auth.example/token",
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
    ]
    assert stored(tmp_path)[f"challenge\t{HOST}"]["challenges"] == [
        {"scheme": "bearer", "realm": fake.realm, "service": HOST}
    ]


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
