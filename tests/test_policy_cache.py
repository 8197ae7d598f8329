"""Signature verdicts in the persistent cache: positive ones for ``cache-ttl``, per key set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cosign_helper import cosign_signature, sig_tag, signing_key
from registry_server import FakeRegistry, build_image, resolve_offline

from linter.model import Signature, SignatureState, SignatureStatus
from linter.registry import RegistryOptions
from linter.registry.cache.store import Cache
from linter.signatures import NamedKey, fingerprint

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
VERIFIED = SignatureStatus(
    D1,
    SignatureState.VERIFIED,
    (
        Signature("notation", "referrers API", D2, False, None, "not checked"),
        Signature("cosign", "tag sha256-1.sig", D2, True, "cosign.pub", "verified with cosign.pub"),
    ),
    "verified with cosign.pub (cosign, tag sha256-1.sig)",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_and_expiry(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, ttl=600, clock=clock)
    cache.put_signature("r.example/app", "keys", VERIFIED)
    assert cache.signature("r.example/app", D1, "keys") == VERIFIED
    assert cache.signature("r.example/app", D1, "other keys") is None
    assert cache.signature("r.example/other", D1, "keys") is None
    cache.flush()
    assert Cache(tmp_path, ttl=600, clock=clock).signature("r.example/app", D1, "keys") == VERIFIED
    clock.now += 601
    assert cache.signature("r.example/app", D1, "keys") is None


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(state="bogus"),
        lambda r: r.update(signatures=[{"kind": "cosign"}]),
        lambda r: r["signatures"][1].update(verified="yes"),
        lambda r: r.pop("reason"),
    ],
)
def test_damaged_entries_are_misses(tmp_path: Path, change: object) -> None:
    cache = Cache(tmp_path, ttl=600)
    cache.put_signature("r.example/app", "keys", VERIFIED)
    cache.flush()
    (data,) = tmp_path.rglob("*.json")
    records = json.loads(data.read_text())
    (record,) = records.values()
    change(record)  # type: ignore[operator]
    data.write_text(json.dumps(records))
    assert Cache(tmp_path, ttl=600).signature("r.example/app", D1, "keys") is None


def test_fingerprint_names_the_key_set() -> None:
    one, two = signing_key("one").public_key(), signing_key("two").public_key()
    assert fingerprint([NamedKey("a.pub", one)]) == fingerprint([NamedKey("a.pub", one)])
    assert fingerprint([NamedKey("a.pub", one)]) != fingerprint([NamedKey("b.pub", one)])
    assert fingerprint([NamedKey("a.pub", one)]) != fingerprint([NamedKey("a.pub", two)])
    assert fingerprint([]) != fingerprint([NamedKey("a.pub", one)])


HOST = "registry.example"
KEY = signing_key("cache test")
SIGNED, UNSIGNED = build_image("cache-signed"), build_image("cache-unsigned")


@pytest.mark.parametrize(
    ("repo", "keys", "state", "second_run"),
    [
        # signed: the verdict is kept, the second run asks nothing
        ("app/signed", (NamedKey("cosign.pub", KEY.public_key()),), SignatureState.VERIFIED, 0),
        ("app/signed", (), SignatureState.FOUND, 0),
        # a signature by a key we do not trust, or none: asked again (sign it, and the run passes)
        (
            "app/signed",
            (NamedKey("other.pub", signing_key("x").public_key()),),
            SignatureState.UNVERIFIED,
            4,
        ),
        ("app/unsigned", (), SignatureState.MISSING, 3),
    ],
)
def test_what_a_second_run_asks(
    tmp_path: Path, repo: str, keys: tuple[NamedKey, ...], state: SignatureState, second_run: int
) -> None:
    fake = FakeRegistry(HOST, auth=None)
    fake.push("app/signed", "1.0", SIGNED)
    fake.push(
        "app/signed", sig_tag(SIGNED.digest), cosign_signature(KEY, f"{HOST}/app/signed", SIGNED)
    )
    fake.push("app/unsigned", "1.0", UNSIGNED)
    options = RegistryOptions(cache_dir=tmp_path, need_signatures=True, signature_keys=keys)
    text = f"{HOST}/{repo}:1.0"
    first, _ = resolve_offline([text], fake, options)
    fake.requests.clear()
    second, stats = resolve_offline([text], fake, options)
    assert first[text].signature is not None
    assert first[text].signature.state is state
    assert second[text] == first[text]
    assert (len(fake.requests), stats.requests) == (second_run, second_run)
