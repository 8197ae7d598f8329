"""``inspect`` against an in-process fake (the real-registry tests cover the real thing)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from registry_server import (
    CREATED,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    FakeRegistry,
    Image,
    build_image,
    multi_platform,
    offline_client_factory,
)

from linter.model import ErrorKind
from linter.reference import parse
from linter.registry import RegistryError, RegistryOptions, RunStats
from linter.registry.details import ImageDetails, inspect
from linter.registry.manifests import ImageFacts, ManifestError, parse_config

HOST = "registry.example"
MULTI = multi_platform("multi", attestation=True)
SINGLE = build_image("single", oci=False, labels={"org.opencontainers.image.version": "1.0"})


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("app/single", "1.0", SINGLE)
    return registry


def run(
    fake: FakeRegistry, text: str, options: RegistryOptions | None = None
) -> tuple[ImageDetails, RunStats]:
    stats = RunStats()
    details = asyncio.run(
        inspect(parse(text), options or RegistryOptions(), stats, offline_client_factory(fake))
    )
    return details, stats


def layer_size(image: Image) -> int:
    return sum(
        len(b.data) for b in image.blobs if "layer" in b.media_type or "rootfs" in b.media_type
    )


@pytest.mark.parametrize("platform", ["linux/arm64", "linux/arm/v7", "linux/amd64"])
def test_inspect_index(fake: FakeRegistry, platform: str) -> None:
    details, _ = run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform=platform))
    child = MULTI.child(platform)
    document = details.to_json()
    assert document["name"] == f"{HOST}/app/multi"
    assert document["tag"] == "1.0"
    assert document["digest"] == MULTI.digest
    assert document["media_type"] == OCI_INDEX
    assert [(p["os"], p["architecture"], p["variant"]) for p in document["platforms"]] == [
        ("linux", "amd64", None),
        ("linux", "arm64", None),
        ("linux", "arm", "v7"),
        ("unknown", "unknown", None),
    ]
    assert [p["digest"] for p in document["platforms"]] == [c.digest for c in MULTI.children]
    assert document["image"] == {
        "platform": platform,
        "digest": child.digest,
        "media_type": OCI_MANIFEST,
        "created": CREATED,
        "labels": {"seed": "multi"},
        "layers": 1,
        "size": layer_size(child),
    }
    json.dumps(document)  # serializable as is


def test_inspect_defaults_to_this_machine(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platform.machine", lambda: "aarch64")
    details, _ = run(fake, f"{HOST}/app/multi:1.0")
    assert details.image.platform == "linux/arm64"


def test_inspect_unknown_machine_takes_the_first_image(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platform.machine", lambda: "s390x")
    details, _ = run(fake, f"{HOST}/app/multi:1.0")
    assert details.image.platform == "linux/amd64"


def test_inspect_single_image(fake: FakeRegistry) -> None:
    details, _ = run(fake, f"{HOST}/app/single:1.0")
    assert (details.digest, details.media_type, details.platforms) == (
        SINGLE.digest,
        DOCKER_MANIFEST,
        (),
    )
    assert details.image.labels == {"org.opencontainers.image.version": "1.0"}
    assert details.image.digest == SINGLE.digest


def test_inspect_by_digest(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    details, _ = run(fake, f"{HOST}/app/multi@{child.digest}")
    assert details.to_json()["tag"] is None
    assert (details.digest, details.image.platform) == (child.digest, "linux/arm64")


def test_inspect_missing_platform(fake: FakeRegistry) -> None:
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform="linux/s390x"))
    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert caught.value.message == "app/multi has no linux/s390x image"


def test_inspect_missing_tag(fake: FakeRegistry) -> None:
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/multi:2.0")
    assert caught.value.kind is ErrorKind.NOT_FOUND


def test_config_blob_is_verified(fake: FakeRegistry) -> None:
    config = SINGLE.blobs[0]
    fake.blobs[config.digest] = config.data + b" "
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/single:1.0")
    assert caught.value.kind is ErrorKind.INVALID
    assert "does not match its digest" in caught.value.message


def test_second_inspect_is_served_from_the_cache(fake: FakeRegistry, tmp_path: Path) -> None:
    options = RegistryOptions(cache_dir=tmp_path, platform="linux/arm64")
    first, _ = run(fake, f"{HOST}/app/multi:1.0", options)
    fake.requests.clear()
    second, _ = run(fake, f"{HOST}/app/multi:1.0", options)
    # Only "is it signed now?" is asked again (docs/policy.md): the referrers API, its
    # fallback tag and cosign's tag.
    signature_lookups = [
        f"GET {HOST}/v2/app/multi/referrers/{MULTI.digest}",
        f"GET {HOST}/v2/app/multi/manifests/{MULTI.digest.replace(':', '-')}",
        f"GET {HOST}/v2/app/multi/manifests/{MULTI.digest.replace(':', '-')}.sig",
    ]
    # (The run's first request goes bare and is refused once, teaching the challenge.)
    assert list(dict.fromkeys(p for p in fake.paths() if "/token" not in p)) == signature_lookups
    assert second == first


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"created": "2024-01-01T00:00:00Z", "os": "linux", "architecture": "arm", "variant": "v7", "config": {"Labels": {"a": "b"}}}',
            ImageFacts("2024-01-01T00:00:00Z", {"a": "b"}, "linux", "arm", "v7"),
        ),
        (
            b'{"os": "linux", "architecture": "amd64", "config": {"Labels": null}}',
            ImageFacts(None, {}, "linux", "amd64", None),
        ),
        (b"{}", ImageFacts(None, {}, "unknown", "unknown", None)),
    ],
)
def test_parse_config(body: bytes, expected: ImageFacts) -> None:
    assert parse_config(body) == expected


@pytest.mark.parametrize("body", [b"[]", b"nope", b'{"config": []}', b'{"config": {"Labels": []}}'])
def test_parse_config_rejects(body: bytes) -> None:
    with pytest.raises(ManifestError):
        parse_config(body)
