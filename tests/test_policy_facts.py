"""The trust policy's facts about the deployed digest (linter/registry/facts/policy.py), on a fake.

Each case says which facts the options ask for, what the Resolution then carries, and
exactly which requests that cost.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from registry_server import FakeRegistry, build_image, multi_platform, resolve_offline

from linter.model import ErrorKind, PlatformEntry, Resolution, SignatureState
from linter.reference import parse
from linter.registry import RegistryOptions
from linter.registry.facts.policy import deployed_digest, parse_created

HOST = "registry.example"
MULTI = multi_platform("facts", attestation=True)
AMD64, ARM64 = MULTI.child("linux/amd64"), MULTI.child("linux/arm64")
SINGLE = build_image("facts-single", "linux/arm64", created="2023-01-02T03:04:05.123456789Z")
EPOCH = build_image("facts-epoch", created="1970-01-01T00:00:00Z")
MAY_2024 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
JAN_2023 = datetime(2023, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
MISSING = "sha256:" + "9" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", MAY_2024),
        ("2024-05-01T12:00:00.5Z", MAY_2024.replace(microsecond=500000)),
        ("2023-01-02T03:04:05.123456789Z", JAN_2023),
        ("2024-05-01T14:00:00+02:00", MAY_2024),
        ("2024-05-01t07:30:00-04:30", MAY_2024),
        ("2024-05-01 12:00:00", MAY_2024),  # no zone: UTC
        # reproducible builds: not a real time
        ("1970-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00Z", None),
        # not RFC 3339
        ("2024-13-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_created(text: str | None, expected: datetime | None) -> None:
    assert parse_created(text) == expected


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        (Resolution(parse("app:1"), digest=AMD64.digest), AMD64.digest),
        (Resolution(parse(f"app@{ARM64.digest}"), pinned_exists=True), ARM64.digest),
        (
            Resolution(parse(f"app:1@{ARM64.digest}"), digest=MULTI.digest, pinned_exists=True),
            ARM64.digest,
        ),
        (
            Resolution(parse(f"app:1@{ARM64.digest}"), digest=MULTI.digest, pinned_exists=False),
            None,
        ),
    ],
)
def test_deployed_digest(resolution: Resolution, expected: str | None) -> None:
    assert deployed_digest(resolution) == expected


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST, auth=None)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("app/single", "1.0", SINGLE)
    registry.push("app/epoch", "1.0", EPOCH)
    return registry


def short(path: str) -> str:
    names = {
        MULTI.digest: "<index>",
        AMD64.digest: "<amd64>",
        ARM64.digest: "<arm64>",
        SINGLE.digest: "<single>",
        AMD64.blobs[0].digest: "<amd64 config>",
        ARM64.blobs[0].digest: "<arm64 config>",
        SINGLE.blobs[0].digest: "<single config>",
        EPOCH.blobs[0].digest: "<epoch config>",
        MISSING: "<missing>",
    }
    text = path.replace(f"{HOST}/v2/", "")
    for value, label in names.items():
        text = text.replace(value, label)
    return text


def resolve(fake: FakeRegistry, text: str, **options: Any) -> tuple[Resolution, list[str]]:
    answers, _ = resolve_offline([f"{HOST}/{text}"], fake, RegistryOptions(**options))
    return answers[f"{HOST}/{text}"], [short(p) for p in fake.paths()]


def entry(image: Any, kind: str | None = None) -> PlatformEntry:
    os_name, architecture, *variant = image.platform.split("/")
    return PlatformEntry(
        os_name,
        architecture,
        variant[0] if variant else None,
        image.digest,
        kind or image.media_type,
    )


PLATFORMS = {"need_platforms": True}
CREATED = {"need_created": True}
BOTH = {"need_platforms": True, "need_created": True}


@pytest.mark.parametrize(
    ("text", "options", "platform", "created", "requests"),
    [
        # a multi-platform tag: IMG008 reads the index's children, IMG012 the amd64 image's config
        ("app/multi:1.0", {}, None, None, ["HEAD app/multi/manifests/1.0"]),
        (
            "app/multi:1.0",
            PLATFORMS,
            None,
            None,
            ["HEAD app/multi/manifests/1.0", "GET app/multi/manifests/<index>"],
        ),
        (
            "app/multi:1.0",
            CREATED,
            None,
            MAY_2024,
            [
                "HEAD app/multi/manifests/1.0",
                "GET app/multi/manifests/<index>",
                "GET app/multi/manifests/<amd64>",
                "GET app/multi/blobs/<amd64 config>",
            ],
        ),
        (
            "app/multi:1.0",
            BOTH,
            None,
            MAY_2024,
            [
                "HEAD app/multi/manifests/1.0",
                "GET app/multi/manifests/<index>",
                "GET app/multi/manifests/<amd64>",
                "GET app/multi/blobs/<amd64 config>",
            ],
        ),
        # `platform` pins (and dates) one child: the deployed image is that child
        (
            "app/multi:1.0",
            {**BOTH, "platform": "linux/arm64"},
            entry(ARM64),
            MAY_2024,
            [
                "HEAD app/multi/manifests/1.0",
                "GET app/multi/manifests/<index>",
                "GET app/multi/manifests/<arm64>",
                "GET app/multi/blobs/<arm64 config>",
            ],
        ),
        # a pin to one child of the tag's index: its platform is in the index
        (
            f"app/multi:1.0@{ARM64.digest}",
            PLATFORMS,
            entry(ARM64),
            None,
            ["HEAD app/multi/manifests/1.0", "GET app/multi/manifests/<index>"],
        ),
        # a single-platform image: its own platform, from its config
        (
            "app/single:1.0",
            PLATFORMS,
            entry(SINGLE),
            None,
            [
                "HEAD app/single/manifests/1.0",
                "GET app/single/manifests/<single>",
                "GET app/single/blobs/<single config>",
            ],
        ),
        (
            f"app/single@{SINGLE.digest}",
            BOTH,
            entry(SINGLE),
            JAN_2023,
            [
                "HEAD app/single/manifests/<single>",
                "GET app/single/manifests/<single>",
                "GET app/single/blobs/<single config>",
            ],
        ),
        (
            "app/epoch:1.0",
            CREATED,
            None,
            None,
            [
                "HEAD app/epoch/manifests/1.0",
                "GET app/epoch/manifests/" + EPOCH.digest,
                "GET app/epoch/blobs/<epoch config>",
            ],
        ),
        # a pin that does not exist: IMG004's case, no facts
        (
            f"app/single:1.0@{MISSING}",
            BOTH,
            None,
            None,
            ["HEAD app/single/manifests/1.0", "HEAD app/single/manifests/<missing>"],
        ),
    ],
)
def test_facts_and_their_requests(
    fake: FakeRegistry,
    text: str,
    options: dict[str, Any],
    platform: PlatformEntry | None,
    created: datetime | None,
    requests: list[str],
) -> None:
    resolution, sent = resolve(fake, text, **options)
    assert resolution.error is None
    assert (resolution.platform, resolution.created) == (platform, created)
    assert resolution.signature is None
    assert sent == requests


def test_signatures_of_the_deployed_digest(fake: FakeRegistry) -> None:
    resolution, sent = resolve(fake, f"app/multi:1.0@{ARM64.digest}", need_signatures=True)
    assert resolution.signature is not None
    assert (resolution.signature.digest, resolution.signature.state) == (
        ARM64.digest,
        SignatureState.MISSING,
    )
    assert sent == [
        "HEAD app/multi/manifests/1.0",
        "GET app/multi/manifests/<index>",
        "GET app/multi/referrers/<arm64>",
        "GET app/multi/manifests/sha256-" + ARM64.digest.split(":")[1],
        "GET app/multi/manifests/sha256-" + ARM64.digest.split(":")[1] + ".sig",
    ]


def test_a_fact_that_cannot_be_fetched_fails_the_reference(fake: FakeRegistry) -> None:
    fake.hooks.append(lambda r: httpx.Response(503) if "/blobs/" in r.url.path else None)
    resolution, _ = resolve(fake, "app/single:1.0", **CREATED)
    assert resolution.error is not None
    assert resolution.error.kind is ErrorKind.UNREACHABLE
    assert resolution.digest is None


def test_not_an_image(fake: FakeRegistry) -> None:
    """A registry that calls an index an image manifest: there is no config to date."""
    lying = ("application/vnd.oci.image.manifest.v1+json", MULTI.manifest)
    fake.manifests[("app/odd", "1.0")] = fake.manifests[("app/odd", MULTI.digest)] = lying
    resolution, _ = resolve(fake, "app/odd:1.0", **CREATED)
    assert resolution.error is not None
    assert (resolution.error.kind, resolution.error.message) == (
        ErrorKind.INVALID,
        f"app/odd@{MULTI.digest} is not an image",
    )


def test_one_config_blob_per_run(fake: FakeRegistry) -> None:
    """Two references to the same image: every question is asked once."""
    texts = [f"{HOST}/app/single:1.0", f"{HOST}/app/single@{SINGLE.digest}"]
    answers, _ = resolve_offline(texts, fake, RegistryOptions(**BOTH))
    assert {answers[t].created for t in texts} == {JAN_2023}
    assert sorted(short(p) for p in fake.paths() if "/blobs/" in p) == [
        "GET app/single/blobs/<single config>"
    ]


def test_created_of_an_index_without_amd64(fake: FakeRegistry) -> None:
    """No linux/amd64 image: the first real one is dated."""
    arm_only = multi_platform("facts-arm", ("linux/arm64", "linux/arm/v7"))
    fake.push("app/arm", "1.0", arm_only)
    resolution, _ = resolve(fake, "app/arm:1.0", **CREATED)
    assert resolution.created == MAY_2024
    assert f"{HOST}/v2/app/arm/blobs/{arm_only.child('linux/arm64').blobs[0].digest}" in [
        p.split(" ", 1)[1] for p in fake.paths()
    ]
