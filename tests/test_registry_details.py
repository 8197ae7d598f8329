"""``inspect`` against an in-process fake: the exchanges a real registry will not produce
(tampered bodies, paginated tag lists) and exact request lists. The real registry is in
test_registry_command_inspect.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from registry_server import (
    CREATED,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    FakeRegistry,
    Image,
    build_image,
    multi_platform,
    offline_client_factory,
    sha256,
)

from linter.model import ErrorKind
from linter.reference import parse
from linter.registry import RegistryError, RegistryOptions, RunStats
from linter.registry.api.manifests import (
    ImageFacts,
    ManifestError,
    parse_config,
    parse_image_config,
)
from linter.registry.api.tags import PAGE
from linter.registry.details import (
    IMAGE_KEYS,
    JSON_PARTS,
    SKOPEO_PARTS,
    ImageDetails,
    Wanted,
    go_time,
    inspect,
)

HOST = "registry.example"
MULTI = multi_platform("multi", attestation=True)
SINGLE = build_image("single", oci=False, labels={"org.opencontainers.image.version": "1.0"})
SETTINGS = {
    "Env": ["PATH=/usr/bin", "LANG=C.UTF-8"],
    "Entrypoint": ["/entry"],
    "Cmd": ["serve", "--port", "80"],
    "User": "1000:1000",
    "WorkingDir": "/srv",
    "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
}
RICH = build_image(
    "rich",
    oci=False,
    settings=SETTINGS,
    extra={"docker_version": "24.0.7"},
    layers=2,
    annotations={"org.example.layer": "yes"},
)
NOTHING_READ = Wanted(image=False, signatures=False)
IMAGE_ONLY = Wanted(signatures=False)


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("app/single", "1.0", SINGLE)
    registry.push("app/rich", "1.0", RICH)
    return registry


def run(
    fake: FakeRegistry,
    text: str,
    options: RegistryOptions | None = None,
    wanted: Wanted | None = None,
) -> tuple[ImageDetails, RunStats]:
    stats = RunStats()
    details = asyncio.run(
        inspect(
            parse(text),
            options or RegistryOptions(),
            stats,
            offline_client_factory(fake),
            wanted=wanted,
        )
    )
    return details, stats


def registry_paths(fake: FakeRegistry) -> list[str]:
    """The registry API requests, each once (the run's first goes bare and is refused)."""
    return list(dict.fromkeys(p for p in fake.paths() if "/token" not in p))


def layer_size(image: Image) -> int:
    return sum(
        len(b.data) for b in image.blobs if "layer" in b.media_type or "rootfs" in b.media_type
    )


@pytest.mark.parametrize("platform", ["linux/arm64", "linux/arm/v7", "linux/amd64"])
def test_inspect_index(fake: FakeRegistry, platform: str) -> None:
    details, _ = run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform=platform))
    child = MULTI.child(platform)
    config, layer = child.blobs
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
        "config_digest": config.digest,
        "created": CREATED,
        "docker_version": None,
        "labels": {"seed": "multi"},
        "env": None,
        "entrypoint": None,
        "cmd": None,
        "user": None,
        "working_dir": None,
        "exposed_ports": None,
        "layers": [
            {
                "digest": layer.digest,
                "size": len(layer.data),
                "media_type": OCI_LAYER,
                "annotations": None,
            }
        ],
        "size": layer_size(child),
    }
    assert (document["tags"], document["tags_complete"]) == (None, None)
    assert details.manifest == MULTI.manifest
    assert details.image is not None and details.image.config_blob == config.data
    json.dumps(document)  # serializable as is


@pytest.mark.parametrize("wanted", [Wanted(tags=5), NOTHING_READ])
def test_key_tables_are_the_documents_keys(fake: FakeRegistry, wanted: Wanted) -> None:
    """``--field`` checks a path against these tables before any request."""
    fake.hooks.append(
        lambda request: (
            httpx.Response(200, json={"tags": ["1.0"]})
            if request.url.path.endswith("/tags/list")
            else None
        )
    )
    details, _ = run(fake, f"{HOST}/app/rich:1.0", wanted=wanted)
    document, skopeo = details.to_json(), details.to_skopeo()
    assert tuple(document) == tuple(JSON_PARTS)
    if wanted.image:
        assert tuple(document["image"]) == IMAGE_KEYS
        assert tuple(skopeo) == tuple(SKOPEO_PARTS)
    else:
        # Without the image (--field Digest), the keys that do not need it.
        assert tuple(skopeo) == tuple(k for k, part in SKOPEO_PARTS.items() if part != "image")


def test_inspect_everything_the_config_says(fake: FakeRegistry) -> None:
    details, _ = run(fake, f"{HOST}/app/rich:1.0", wanted=IMAGE_ONLY)
    image = details.to_json()["image"]
    config, *layers = RICH.blobs
    assert {key: image[key] for key in ("env", "entrypoint", "cmd", "user", "working_dir")} == {
        "env": ["PATH=/usr/bin", "LANG=C.UTF-8"],
        "entrypoint": ["/entry"],
        "cmd": ["serve", "--port", "80"],
        "user": "1000:1000",
        "working_dir": "/srv",
    }
    assert image["exposed_ports"] == ["53/udp", "80/tcp"]
    assert image["docker_version"] == "24.0.7"
    assert image["config_digest"] == config.digest
    assert image["layers"] == [
        {
            "digest": layer.digest,
            "size": len(layer.data),
            "media_type": layer.media_type,
            "annotations": {"org.example.layer": "yes"},
        }
        for layer in layers
    ]
    assert image["size"] == sum(len(layer.data) for layer in layers)


def test_skopeo_document(fake: FakeRegistry) -> None:
    details, _ = run(fake, f"{HOST}/app/rich:1.0", wanted=IMAGE_ONLY)
    _, *layers = RICH.blobs
    assert details.to_skopeo() == {
        "Name": f"{HOST}/app/rich",
        "Digest": RICH.digest,
        "RepoTags": [],
        "Created": CREATED,
        "DockerVersion": "24.0.7",
        "Labels": {"seed": "rich"},
        "Architecture": "amd64",
        "Os": "linux",
        "Layers": [layer.digest for layer in layers],
        "LayersData": [
            {
                "MIMEType": layer.media_type,
                "Digest": layer.digest,
                "Size": len(layer.data),
                "Annotations": {"org.example.layer": "yes"},
            }
            for layer in layers
        ],
        "Env": ["PATH=/usr/bin", "LANG=C.UTF-8"],
    }


@pytest.mark.parametrize(("labels", "expected"), [(None, None), ({}, {}), ({"a": "b"}, {"a": "b"})])
def test_skopeo_labels_null_or_object_as_go_prints_them(
    fake: FakeRegistry, labels: dict[str, str] | None, expected: dict[str, str] | None
) -> None:
    image = build_image(f"labels-{labels}", settings={"Labels": labels})
    fake.push("app/labels", "1.0", image)
    details, _ = run(fake, f"{HOST}/app/labels:1.0", wanted=IMAGE_ONLY)
    assert details.to_skopeo()["Labels"] == expected
    assert details.to_json()["image"]["labels"] == (labels or {})


@pytest.mark.parametrize(
    ("created", "printed"),
    [
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
        ("2024-05-01T12:00:00.000000000Z", "2024-05-01T12:00:00Z"),
        ("2024-05-01T12:00:00.120Z", "2024-05-01T12:00:00.12Z"),
        ("2024-05-01T12:00:00.123456789123Z", "2024-05-01T12:00:00.123456789Z"),
        ("2024-05-01T12:00:00.5+02:00", "2024-05-01T12:00:00.5+02:00"),
        ("yesterday", "yesterday"),
        (None, None),
    ],
)
def test_go_time(created: str | None, printed: str | None) -> None:
    assert go_time(created) == printed


def test_inspect_defaults_to_this_machine(
    fake: FakeRegistry, host_machine: Callable[[str], None]
) -> None:
    host_machine("aarch64")
    details, _ = run(fake, f"{HOST}/app/multi:1.0")
    assert details.image is not None and details.image.platform == "linux/arm64"


def test_inspect_unknown_machine_takes_the_first_image(
    fake: FakeRegistry, host_machine: Callable[[str], None]
) -> None:
    host_machine("s390x")
    details, _ = run(fake, f"{HOST}/app/multi:1.0")
    assert details.image is not None and details.image.platform == "linux/amd64"


def test_inspect_single_image(fake: FakeRegistry) -> None:
    details, _ = run(fake, f"{HOST}/app/single:1.0")
    assert (details.digest, details.media_type, details.platforms) == (
        SINGLE.digest,
        DOCKER_MANIFEST,
        (),
    )
    assert details.image is not None
    assert details.image.config.facts.labels == {"org.opencontainers.image.version": "1.0"}
    assert details.image.digest == SINGLE.digest
    assert details.manifest == SINGLE.manifest


def test_inspect_by_digest(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    details, _ = run(fake, f"{HOST}/app/multi@{child.digest}")
    assert details.to_json()["tag"] is None
    assert details.image is not None
    assert (details.digest, details.image.platform) == (child.digest, "linux/arm64")


def test_tag_and_digest_inspects_the_digest(fake: FakeRegistry) -> None:
    """What runs is the digest; the tag is only shown."""
    child = MULTI.child("linux/arm64")
    details, _ = run(fake, f"{HOST}/app/multi:1.0@{child.digest}", wanted=NOTHING_READ)
    assert (details.digest, details.to_json()["tag"]) == (child.digest, "1.0")
    assert registry_paths(fake) == [f"GET {HOST}/v2/app/multi/manifests/{child.digest}"]


def test_inspect_missing_platform(fake: FakeRegistry) -> None:
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform="linux/s390x"))
    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert caught.value.message == "app/multi has no linux/s390x image"


def test_inspect_missing_tag(fake: FakeRegistry) -> None:
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/multi:2.0")
    assert caught.value.kind is ErrorKind.NOT_FOUND


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        # --raw, --field digest: the manifest, read once by tag (no HEAD first).
        (NOTHING_READ, ["manifests/1.0"]),
        # --config-blob, --format skopeo: the chosen platform's manifest and config too.
        (IMAGE_ONLY, ["manifests/1.0", "manifests/{child}", "blobs/{config}"]),
        (
            Wanted(),
            [
                "manifests/1.0",
                "manifests/{child}",
                "referrers/{index}",
                "blobs/{config}",
                "manifests/{referrers_tag}",
                "manifests/{referrers_tag}.sig",
            ],
        ),
    ],
)
def test_only_what_is_wanted_is_read(
    fake: FakeRegistry, wanted: Wanted, expected: list[str]
) -> None:
    child = MULTI.child("linux/arm64")
    run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform="linux/arm64"), wanted)
    names = {
        "child": child.digest,
        "config": child.blobs[0].digest,
        "index": MULTI.digest,
        "referrers_tag": MULTI.digest.replace(":", "-"),
    }
    assert sorted(registry_paths(fake)) == sorted(
        f"GET {HOST}/v2/app/multi/{path.format(**names)}" for path in expected
    )


def tamper(fake: FakeRegistry, path: str, body: bytes, **headers: str) -> None:
    """Answer GET ``path`` with ``body`` (once authorized)."""

    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == path and request.headers.get("authorization"):
            return httpx.Response(200, headers=headers, content=body)
        return None

    fake.hooks.append(hook)


def test_a_child_that_does_not_match_its_digest_is_refused(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    tamper(
        fake,
        f"/v2/app/multi/manifests/{child.digest}",
        child.manifest + b" ",
        **{"Content-Type": OCI_MANIFEST},
    )
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/multi:1.0", RegistryOptions(platform="linux/arm64"))
    assert caught.value.kind is ErrorKind.INVALID
    assert "not the digest asked for" in caught.value.message


def test_a_tag_whose_digest_header_lies_is_refused(fake: FakeRegistry) -> None:
    tamper(
        fake,
        "/v2/app/single/manifests/1.0",
        SINGLE.manifest,
        **{"Content-Type": DOCKER_MANIFEST, "Docker-Content-Digest": sha256(b"other")},
    )
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/single:1.0", wanted=NOTHING_READ)
    assert caught.value.kind is ErrorKind.INVALID
    assert "disagrees with the manifest body" in caught.value.message


def test_config_blob_is_verified(fake: FakeRegistry) -> None:
    config = SINGLE.blobs[0]
    fake.blobs[config.digest] = config.data + b" "
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/single:1.0")
    assert caught.value.kind is ErrorKind.INVALID
    assert "does not match its digest" in caught.value.message


def test_config_blob_of_another_size_than_its_descriptor_is_refused(fake: FakeRegistry) -> None:
    """A descriptor that lies about the size (the digest is right) is a broken manifest."""
    config = build_image("sized").blobs[0]
    body = json.loads(SINGLE.manifest)
    body["config"] = {**config.descriptor(), "size": len(config.data) + 1}
    image = Image(DOCKER_MANIFEST, json.dumps(body).encode(), (config, *SINGLE.blobs[1:]))
    fake.push("app/sized", "1.0", image)
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/sized:1.0", wanted=IMAGE_ONLY)
    assert caught.value.kind is ErrorKind.INVALID
    assert caught.value.message.endswith(
        f"the config blob is {len(config.data)} bytes, its descriptor says {len(config.data) + 1}"
    )


def test_config_blob_over_the_cap_is_not_read(fake: FakeRegistry) -> None:
    config = build_image("huge-config").blobs[0]
    body = json.loads(SINGLE.manifest)
    body["config"] = {**config.descriptor(), "size": 5 * 1024 * 1024}
    image = Image(DOCKER_MANIFEST, json.dumps(body).encode(), (config, *SINGLE.blobs[1:]))
    fake.push("app/huge-config", "1.0", image)
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/huge-config:1.0", wanted=IMAGE_ONLY)
    assert caught.value.message.endswith(
        f"the config blob is {5 * 1024 * 1024} bytes, over the 4 MiB cap; not read"
    )
    assert not any("/blobs/" in path for path in fake.paths())


def test_config_of_the_wrong_shape_is_invalid(fake: FakeRegistry) -> None:
    image = build_image("bad-env", settings={"Env": "PATH=/bin"})
    fake.push("app/bad-env", "1.0", image)
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/bad-env:1.0", wanted=IMAGE_ONLY)
    assert caught.value.kind is ErrorKind.INVALID
    assert caught.value.message.endswith("image config Env is not a list of strings")


@pytest.mark.parametrize("text", ["app/multi:1.0", "app/single:1.0", "app/multi@{child}"])
@pytest.mark.parametrize("wanted", [NOTHING_READ, IMAGE_ONLY])
def test_second_inspect_reads_no_manifest_or_blob(
    fake: FakeRegistry, tmp_path: Path, text: str, wanted: Wanted
) -> None:
    options = RegistryOptions(cache_dir=tmp_path, platform="linux/arm64")
    reference = f"{HOST}/" + text.format(child=MULTI.child("linux/arm64").digest)
    first, _ = run(fake, reference, options, wanted)
    assert registry_paths(fake)
    fake.requests.clear()
    second, stats = run(fake, reference, options, wanted)
    assert fake.requests == []
    assert second == first
    assert stats.requests == 0 and stats.cache_hits > 0


def test_second_inspect_asks_only_whether_it_is_signed_now(
    fake: FakeRegistry, tmp_path: Path
) -> None:
    options = RegistryOptions(cache_dir=tmp_path, platform="linux/arm64")
    first, _ = run(fake, f"{HOST}/app/multi:1.0", options)
    fake.requests.clear()
    second, _ = run(fake, f"{HOST}/app/multi:1.0", options)
    # Signatures are tags and referrers: they come and go (docs/policy.md).
    assert registry_paths(fake) == [
        f"GET {HOST}/v2/app/multi/referrers/{MULTI.digest}",
        f"GET {HOST}/v2/app/multi/manifests/{MULTI.digest.replace(':', '-')}",
        f"GET {HOST}/v2/app/multi/manifests/{MULTI.digest.replace(':', '-')}.sig",
    ]
    assert second == first


def test_a_stored_body_is_used_only_for_a_repository_known_to_have_it(
    fake: FakeRegistry, tmp_path: Path
) -> None:
    options = RegistryOptions(cache_dir=tmp_path)
    run(fake, f"{HOST}/app/single:1.0", options, NOTHING_READ)
    fake.requests.clear()
    with pytest.raises(RegistryError) as caught:
        run(fake, f"{HOST}/app/other@{SINGLE.digest}", options, NOTHING_READ)
    assert caught.value.kind is ErrorKind.NOT_FOUND


def test_a_damaged_stored_body_is_read_again(fake: FakeRegistry, tmp_path: Path) -> None:
    options = RegistryOptions(cache_dir=tmp_path)
    run(fake, f"{HOST}/app/single@{SINGLE.digest}", options, NOTHING_READ)
    (stored,) = (tmp_path / "v2" / "bodies").glob("sha256/*")
    stored.write_bytes(SINGLE.manifest + b"\n")
    fake.requests.clear()
    details, _ = run(fake, f"{HOST}/app/single@{SINGLE.digest}", options, NOTHING_READ)
    assert details.manifest == SINGLE.manifest
    assert registry_paths(fake) == [f"GET {HOST}/v2/app/single/manifests/{SINGLE.digest}"]


# --- the tag list -----------------------------------------------------------------------


def paged(
    fake: FakeRegistry,
    pages: list[list[str]],
    link: Callable[[int], str] = lambda page: f"</v2/app/paged/tags/list?last={page}&n=2>",
) -> list[str]:
    """Serve ``pages`` of app/paged's tags, each linking to the next; returns the paths asked."""
    asked: list[str] = []

    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v2/app/paged/tags/list":
            return None
        asked.append(request.url.raw_path.decode())
        page = int(request.url.params.get("last", "0"))
        headers = {"Link": f'{link(page + 1)}; rel="next"'} if page + 1 < len(pages) else {}
        body = {"name": "app/paged", "tags": pages[page]} if page < len(pages) else {}
        return httpx.Response(200, headers=headers, json=body)

    fake.hooks.append(hook)
    return asked


def tags_of(fake: FakeRegistry, limit: int) -> tuple[tuple[str, ...], bool]:
    fake.push("app/paged", "a", SINGLE)
    details, _ = run(fake, f"{HOST}/app/paged:a", wanted=Wanted(False, False, limit))
    assert details.tags is not None
    return details.tags.tags, details.tags.complete


@pytest.mark.parametrize(
    ("limit", "tags", "complete", "requests"),
    [
        (100, ("a", "b", "c", "d", "e"), True, 3),
        (5, ("a", "b", "c", "d", "e"), True, 3),
        (4, ("a", "b", "c", "d"), False, 2),
        (3, ("a", "b", "c"), False, 2),
        (2, ("a", "b"), False, 1),
        (1, ("a",), False, 1),
    ],
)
def test_tags_follow_link_pages_up_to_the_limit(
    fake: FakeRegistry, limit: int, tags: tuple[str, ...], complete: bool, requests: int
) -> None:
    asked = paged(fake, [["a", "b"], ["c", "d"], ["e"]])
    assert tags_of(fake, limit) == (tags, complete)
    assert len(asked) == requests
    assert asked[0] == f"/v2/app/paged/tags/list?n={min(limit, PAGE)}"
    assert (
        asked[1:] == [f"/v2/app/paged/tags/list?last={page}&n=2" for page in (1, 2)][: requests - 1]
    )


def test_tags_absolute_link_is_asked_of_the_same_host(fake: FakeRegistry) -> None:
    asked = paged(
        fake,
        [["a"], ["b"]],
        lambda page: f"<https://elsewhere.example/v2/app/paged/tags/list?last={page}>",
    )
    assert tags_of(fake, 10) == (("a", "b"), True)
    assert len(asked) == 2
    assert {p.split("/v2/")[0] for p in fake.paths() if "tags/list" in p} == {f"GET {HOST}"}


def test_tags_link_out_of_the_tag_list_is_refused(fake: FakeRegistry) -> None:
    paged(fake, [["a"], ["b"]], lambda page: f"</v2/app/other/tags/list?last={page}>")
    with pytest.raises(RegistryError) as caught:
        tags_of(fake, 10)
    assert caught.value.kind is ErrorKind.INVALID
    assert "leaves the tag list" in caught.value.message


def test_tags_an_empty_page_or_a_link_back_ends_the_list(fake: FakeRegistry) -> None:
    asked = paged(fake, [["a"], [], ["c"]])
    assert tags_of(fake, 10) == (("a",), True)
    assert len(asked) == 2
    fake.hooks.clear()
    asked = paged(fake, [["a"], ["b"], ["c"]], lambda page: "</v2/app/paged/tags/list?last=1>")
    assert tags_of(fake, 10) == (("a", "b"), True)
    assert len(asked) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "app/paged", "tags": None}, None),
        (
            {"name": "app/paged", "tags": ["ok", "-bad"]},
            "the registry lists '-bad', which is not a tag",
        ),
        ({"name": "app/paged", "tags": "a"}, "the answer is not a tag list"),
        ({"name": "app/paged", "tags": [1]}, "the answer is not a tag list"),
        (["a"], "the answer is not a tag list"),
    ],
)
def test_tags_answer_checked(fake: FakeRegistry, body: object, message: str | None) -> None:
    fake.hooks.append(
        lambda request: (
            httpx.Response(200, json=body) if request.url.path.endswith("/tags/list") else None
        )
    )
    if message is None:
        assert tags_of(fake, 10) == ((), True)
        return
    with pytest.raises(RegistryError) as caught:
        tags_of(fake, 10)
    assert caught.value.kind is ErrorKind.INVALID
    assert caught.value.message == f"app/paged tags: {message}"


def test_tags_not_found(fake: FakeRegistry) -> None:
    fake.hooks.append(
        lambda request: (
            httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
            if request.url.path.endswith("/tags/list")
            else None
        )
    )
    with pytest.raises(RegistryError) as caught:
        tags_of(fake, 10)
    assert caught.value.kind is ErrorKind.NOT_FOUND


# --- reading configs ----------------------------------------------------------------------


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
    assert parse_image_config(body).facts == expected


@pytest.mark.parametrize("body", [b"[]", b"nope", b'{"config": []}', b'{"config": {"Labels": []}}'])
def test_parse_config_rejects(body: bytes) -> None:
    with pytest.raises(ManifestError):
        parse_config(body)
    with pytest.raises(ManifestError):
        parse_image_config(body)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"Env": "A=1"}, "image config Env is not a list of strings"),
        ({"Env": ["A=1", 2]}, "image config Env is not a list of strings"),
        ({"Cmd": {"a": 1}}, "image config Cmd is not a list of strings"),
        ({"Entrypoint": "sh"}, "image config Entrypoint is not a list of strings"),
        ({"User": 0}, "image config User is not a string"),
        ({"WorkingDir": ["/"]}, "image config WorkingDir is not a string"),
        ({"ExposedPorts": ["80/tcp"]}, "image config ExposedPorts is not an object"),
    ],
)
def test_parse_image_config_rejects_wrong_types(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_image_config(json.dumps({"config": settings}).encode())
    assert str(caught.value) == message
    # The policy reads only what it needs: the rest may be as odd as it likes.
    parse_config(json.dumps({"config": settings}).encode())


def test_parse_image_config_docker_version_and_nulls() -> None:
    config = parse_image_config(
        b'{"docker_version": "20.10.7", "config": {"Env": null, "Cmd": [], "User": ""}}'
    )
    assert (config.docker_version, config.env, config.cmd, config.user, config.has_labels) == (
        "20.10.7",
        None,
        (),
        "",
        False,
    )
    with pytest.raises(ManifestError):
        parse_image_config(b'{"docker_version": 20}')
