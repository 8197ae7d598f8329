"""What a Resolution says, per kind of reference, against an in-process fake."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest
from registry_server import (
    DOCKER_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    FakeRegistry,
    Image,
    build_image,
    multi_platform,
    resolve_offline,
)

from linter.model import ErrorKind, PlatformEntry
from linter.reference import parse
from linter.registry import RegistryOptions
from linter.registry.api.target import Target
from linter.registry.resolution.mirrors import mirror_targets

HOST = "registry.example"
MULTI = multi_platform("multi", attestation=True)
LIST = multi_platform("list", oci=False)
SINGLE = build_image("single")
MISSING = "sha256:" + "0" * 64


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("app/list", "1.0", LIST)
    registry.push("app/single", "1.0", SINGLE)
    registry.push("app/single", "latest", SINGLE)
    return registry


def entries(index: Image) -> tuple[PlatformEntry, ...]:
    found = []
    for child in index.children:
        assert child.platform is not None
        os_name, architecture, *variant = child.platform.split("/")
        variant_name = variant[0] if variant else None
        found.append(
            PlatformEntry(os_name, architecture, variant_name, child.digest, child.media_type)
        )
    return tuple(found)


def test_tag_resolves_to_index_digest_with_one_head(fake: FakeRegistry) -> None:
    answers, stats = resolve_offline([f"{HOST}/app/multi:1.0"], fake)
    resolution = answers[f"{HOST}/app/multi:1.0"]
    assert resolution.error is None
    assert (resolution.digest, resolution.media_type) == (MULTI.digest, OCI_INDEX)
    assert resolution.platforms == ()
    assert resolution.pinned_exists is None
    # One refused HEAD teaches the challenge, then token, then the HEAD that answers.
    assert fake.paths() == [
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
        "GET auth.example/token?service=registry.example&scope=repository%3Aapp%2Fmulti%3Apull",
        f"HEAD {HOST}/v2/app/multi/manifests/1.0",
    ]
    assert (stats.requests, stats.token_requests) == (3, 1)


def test_later_requests_ask_for_tokens_before_being_refused(fake: FakeRegistry) -> None:
    refs = [f"{HOST}/app/multi:1.0", f"{HOST}/app/list:1.0", f"{HOST}/app/single:1.0"]
    answers, _ = resolve_offline(refs, fake)
    assert all(a.error is None for a in answers.values())
    heads = [r for r in fake.requests if r.method == "HEAD"]
    refused = [r for r in heads if "authorization" not in r.headers]
    assert (len(heads), len(refused)) == (4, 1)


@pytest.mark.parametrize(
    ("refs", "heads"),
    [
        # The same reference written twice, or spelled differently, is asked once.
        ([f"{HOST}/app/single:1.0", f"{HOST}/app/single:1.0"], 1),
        ([f"{HOST}/app/single", f"{HOST}/app/single:latest"], 1),
        # A tag and the same tag with a digest share the tag question.
        ([f"{HOST}/app/single:1.0", f"{HOST}/app/single:1.0@{SINGLE.digest}"], 1),
    ],
)
def test_each_question_once(fake: FakeRegistry, refs: list[str], heads: int) -> None:
    fake.auth = None
    answers, _ = resolve_offline(refs, fake)
    assert {a.digest for a in answers.values()} == {SINGLE.digest}
    assert len(fake.paths("HEAD")) == heads


@pytest.mark.parametrize(
    ("ref", "platform", "expected"),
    [
        ("app/multi:1.0", "linux/arm64", "linux/arm64"),
        ("app/multi:1.0", "linux/arm64/v8", "linux/arm64"),
        ("app/multi:1.0", "linux/arm/v7", "linux/arm/v7"),
        ("app/list:1.0", "linux/amd64", "linux/amd64"),
        ("app/list:1.0", "linux/arm/v7", "linux/arm/v7"),
    ],
)
def test_platform_selects_the_child(
    fake: FakeRegistry, ref: str, platform: str, expected: str
) -> None:
    index = MULTI if "multi" in ref else LIST
    answers, _ = resolve_offline([f"{HOST}/{ref}"], fake, RegistryOptions(platform=platform))
    resolution = answers[f"{HOST}/{ref}"]
    child = index.child(expected)
    assert (resolution.digest, resolution.media_type) == (child.digest, child.media_type)
    assert {p.digest for p in resolution.platforms} == {c.digest for c in index.children}
    # The child was fetched and hashed, not taken on trust.
    assert f"GET {HOST}/v2/{ref.split(':')[0]}/manifests/{child.digest}" in fake.paths()


def test_arm_v7_falls_back_to_v6(fake: FakeRegistry) -> None:
    armv6 = multi_platform("armv6", ("linux/amd64", "linux/arm/v6"))
    fake.push("app/armv6", "1.0", armv6)
    answers, _ = resolve_offline(
        [f"{HOST}/app/armv6:1.0"], fake, RegistryOptions(platform="linux/arm/v7")
    )
    assert answers[f"{HOST}/app/armv6:1.0"].digest == armv6.child("linux/arm/v6").digest


def test_missing_platform_is_not_found(fake: FakeRegistry) -> None:
    answers, stats = resolve_offline(
        [f"{HOST}/app/multi:1.0"], fake, RegistryOptions(platform="linux/s390x")
    )
    error = answers[f"{HOST}/app/multi:1.0"].error
    assert error is not None
    assert (error.kind, error.message) == (
        ErrorKind.NOT_FOUND,
        "app/multi:1.0 has no linux/s390x image",
    )
    assert stats.registries_failed == {}


def test_platform_on_a_single_image_is_its_digest(fake: FakeRegistry) -> None:
    answers, _ = resolve_offline(
        [f"{HOST}/app/single:1.0"], fake, RegistryOptions(platform="linux/arm64")
    )
    assert answers[f"{HOST}/app/single:1.0"].digest == SINGLE.digest


def test_child_that_does_not_match_its_descriptor_is_invalid(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    fake.manifests[("app/multi", child.digest)] = (OCI_MANIFEST, child.manifest + b" ")
    answers, _ = resolve_offline(
        [f"{HOST}/app/multi:1.0"], fake, RegistryOptions(platform="linux/arm64")
    )
    resolution = answers[f"{HOST}/app/multi:1.0"]
    assert resolution.digest is None
    assert resolution.error is not None
    assert resolution.error.kind is ErrorKind.INVALID
    assert "not the digest asked for" in resolution.error.message


def test_need_platforms_lists_children(fake: FakeRegistry) -> None:
    answers, _ = resolve_offline(
        [f"{HOST}/app/list:1.0"], fake, RegistryOptions(need_platforms=True)
    )
    resolution = answers[f"{HOST}/app/list:1.0"]
    assert resolution.digest == LIST.digest
    assert resolution.media_type == DOCKER_LIST
    assert resolution.platforms == entries(LIST)


@pytest.mark.parametrize(
    ("pin", "pinned_exists", "platforms", "extra_heads"),
    [
        # The tag still points to the pin: it exists, no other question.
        (MULTI.digest, True, 0, 0),
        # The pin is one of the index's children (IMG009): known from the index.
        (MULTI.child("linux/arm64").digest, True, 4, 0),
        # A stale pin that still exists: HEAD by digest.
        (SINGLE.digest, True, 4, 1),
        # A pin that does not exist at all.
        (MISSING, False, 4, 1),
    ],
)
def test_tag_and_digest(
    fake: FakeRegistry, pin: str, pinned_exists: bool, platforms: int, extra_heads: int
) -> None:
    fake.push("app/multi", None, SINGLE)
    text = f"{HOST}/app/multi:1.0@{pin}"
    answers, _ = resolve_offline([text], fake)
    resolution = answers[text]
    assert resolution.error is None
    assert resolution.digest == MULTI.digest
    assert resolution.pinned_exists is pinned_exists
    assert len(resolution.platforms) == platforms
    digest_heads = [p for p in fake.paths("HEAD") if "@" not in p and "sha256:" in p]
    assert len(digest_heads) == extra_heads


@pytest.mark.parametrize(
    ("pin", "exists", "media_type"),
    [(SINGLE.digest, True, OCI_MANIFEST), (MISSING, False, None)],
)
def test_digest_only(fake: FakeRegistry, pin: str, exists: bool, media_type: str | None) -> None:
    text = f"{HOST}/app/single@{pin}"
    answers, stats = resolve_offline([text], fake)
    resolution = answers[text]
    assert (resolution.digest, resolution.pinned_exists, resolution.error) == (None, exists, None)
    assert resolution.media_type == media_type
    assert stats.registries_failed == {}


def test_digest_only_index_platforms_when_needed(fake: FakeRegistry) -> None:
    text = f"{HOST}/app/multi@{MULTI.digest}"
    answers, _ = resolve_offline([text], fake, RegistryOptions(need_platforms=True))
    assert len(answers[text].platforms) == 4


def test_tag_not_found(fake: FakeRegistry) -> None:
    answers, stats = resolve_offline([f"{HOST}/app/multi:9.9"], fake)
    error = answers[f"{HOST}/app/multi:9.9"].error
    assert error is not None
    assert (error.kind, error.registry) == (ErrorKind.NOT_FOUND, HOST)
    assert error.message.startswith("app/multi:9.9 not found")
    assert stats.registries_failed == {}


def test_docker_hub_host_and_library_prefix() -> None:
    hub = FakeRegistry("registry-1.docker.io", auth=None)
    hub.push("library/nginx", "1.27", SINGLE)
    answers, _ = resolve_offline(["nginx:1.27"], hub)
    assert answers["nginx:1.27"].digest == SINGLE.digest
    assert hub.paths() == ["HEAD registry-1.docker.io/v2/library/nginx/manifests/1.27"]


# --- mirrors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "mirrors", "expected"),
    [
        ("nginx:1", {}, [("registry-1.docker.io", "library/nginx")]),
        (
            "nginx:1",
            {"docker.io": ("mirror.example:5000",)},
            [("mirror.example:5000", "library/nginx"), ("registry-1.docker.io", "library/nginx")],
        ),
        (
            "nginx:1",
            {"docker.io": ("https://m1.example/", "m2.example/hub")},
            [
                ("m1.example", "library/nginx"),
                ("m2.example", "hub/library/nginx"),
                ("registry-1.docker.io", "library/nginx"),
            ],
        ),
        # The longest matching prefix wins; a prefix matches whole components only.
        (
            "quay.io/org/app:1",
            {"quay.io": ("a.example",), "quay.io/org": ("b.example/o",)},
            [("b.example", "o/app"), ("quay.io", "org/app")],
        ),
        (
            "quay.io/organization/app:1",
            {"quay.io/org": ("b.example",)},
            [("quay.io", "organization/app")],
        ),
    ],
)
def test_mirror_targets(
    ref: str, mirrors: dict[str, tuple[str, ...]], expected: list[tuple[str, str]]
) -> None:
    assert mirror_targets(parse(ref), mirrors) == [Target(*pair) for pair in expected]


def _hub_and_mirror() -> tuple[
    FakeRegistry, FakeRegistry, Callable[[httpx.Request], httpx.Response]
]:
    hub = FakeRegistry("registry-1.docker.io", auth=None)
    mirror = FakeRegistry("mirror.example:5000", auth=None)
    hub.push("library/nginx", "1.27", SINGLE)

    def route(request: httpx.Request) -> httpx.Response:
        target = mirror if request.url.host == "mirror.example" else hub
        return target(request)

    return hub, mirror, route


MIRRORED = RegistryOptions(mirrors={"docker.io": ("mirror.example:5000",)})


def test_mirror_answers_first_and_the_name_is_kept() -> None:
    hub, mirror, route = _hub_and_mirror()
    mirror.push("library/nginx", "1.27", MULTI)
    answers, _ = resolve_offline(["nginx:1.27"], route, MIRRORED)
    resolution = answers["nginx:1.27"]
    assert resolution.digest == MULTI.digest
    assert str(resolution.reference) == "docker.io/library/nginx:1.27"
    assert hub.requests == []


def test_mirror_without_the_image_falls_back_to_the_registry() -> None:
    hub, mirror, route = _hub_and_mirror()
    answers, stats = resolve_offline(["nginx:1.27"], route, MIRRORED)
    assert answers["nginx:1.27"].digest == SINGLE.digest
    assert len(mirror.requests) == 1 and len(hub.requests) == 1
    assert stats.registries_failed == {}


def test_unreachable_mirror_is_reported_and_skipped() -> None:
    _, mirror, route = _hub_and_mirror()
    mirror.hooks.append(lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused")))
    answers, stats = resolve_offline(["nginx:1.27", "nginx:1.27"], route, MIRRORED)
    assert answers["nginx:1.27"].digest == SINGLE.digest
    assert list(stats.registries_failed) == ["mirror.example:5000"]
    assert "refused" in stats.registries_failed["mirror.example:5000"]


def test_digest_header_is_checked_against_the_body_on_get(fake: FakeRegistry) -> None:
    wrong = "sha256:" + hashlib.sha256(b"something else").hexdigest()

    def lie(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/manifests/1.0") and "authorization" in request.headers:
            body = SINGLE.manifest
            headers = {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": wrong}
            if request.method == "HEAD":
                return httpx.Response(200, headers={"Content-Type": OCI_MANIFEST})
            return httpx.Response(200, headers=headers, content=body)
        return None

    fake.hooks.append(lie)
    answers, _ = resolve_offline([f"{HOST}/app/single:1.0"], fake)
    resolution = answers[f"{HOST}/app/single:1.0"]
    assert resolution.digest is None
    assert resolution.error is not None
    assert resolution.error.kind is ErrorKind.INVALID
    assert wrong in resolution.error.message and SINGLE.digest in resolution.error.message


def test_index_media_type_constant() -> None:
    assert MULTI.media_type == OCI_INDEX
