from __future__ import annotations

import hashlib
import json

import pytest

from linter.model import PlatformEntry
from linter.registry.api.manifests import (
    ACCEPT,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    ManifestError,
    checked_digest,
    digest_of,
    media_type,
    parse,
)

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def test_accept_lists_every_type_in_order() -> None:
    assert ACCEPT.split(", ") == [
        OCI_INDEX,
        OCI_MANIFEST,
        DOCKER_LIST,
        DOCKER_MANIFEST,
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.docker.distribution.manifest.v1+json",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("application/vnd.oci.image.index.v1+json", OCI_INDEX),
        ("application/vnd.oci.image.index.v1+json; charset=utf-8", OCI_INDEX),
        (" Application/VND.docker.distribution.manifest.v2+json ;q=1", DOCKER_MANIFEST),
        ("", ""),
        (None, ""),
    ],
)
def test_media_type(header: str | None, expected: str) -> None:
    assert media_type(header) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (DIGEST, DIGEST),
        (f" {DIGEST} ", DIGEST),
        ("sha512:" + "c" * 128, "sha512:" + "c" * 128),
        (None, None),
        ("", None),
        ("sha256:" + "A" * 64, None),
        ("sha256-" + "a" * 64, None),  # Nexus rewrote ':' to '-'
        ("sha256:" + "a" * 63, None),
        ('W/"abc"', None),  # an ETag, not a digest
        ("md5:" + "a" * 32, None),
    ],
)
def test_checked_digest(value: str | None, expected: str | None) -> None:
    assert checked_digest(value) == expected


def test_digest_of_hashes_exact_bytes() -> None:
    body = b'{"a": 1,   "b": 2}'
    assert digest_of(body) == "sha256:" + hashlib.sha256(body).hexdigest()
    assert digest_of(body, "sha512") == "sha512:" + hashlib.sha512(body).hexdigest()
    assert digest_of(body) != digest_of(json.dumps(json.loads(body)).encode())


def _index(media: str | None = OCI_INDEX, **extra: object) -> bytes:
    document: dict[str, object] = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": DIGEST,
                "size": 10,
                "platform": {"os": "linux", "architecture": "arm", "variant": "v7"},
            },
            {"mediaType": OCI_MANIFEST, "digest": OTHER, "size": 5},
        ],
        **extra,
    }
    if media:
        document["mediaType"] = media
    return json.dumps(document).encode()


def _image(media: str | None = OCI_MANIFEST) -> bytes:
    document: dict[str, object] = {
        "schemaVersion": 2,
        "config": {"mediaType": "c", "digest": DIGEST, "size": 3},
        "layers": [
            {"mediaType": "l", "digest": OTHER, "size": 100},
            {"mediaType": "l", "digest": DIGEST, "size": 20},
        ],
    }
    if media:
        document["mediaType"] = media
    return json.dumps(document).encode()


CHILDREN = (
    PlatformEntry("linux", "arm", "v7", DIGEST, OCI_MANIFEST),
    PlatformEntry("unknown", "unknown", None, OTHER, OCI_MANIFEST),
)


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (_index(), OCI_INDEX, OCI_INDEX),
        (_index(DOCKER_LIST), DOCKER_LIST, DOCKER_LIST),
        # No mediaType in the body: the header, else the shape, says which.
        (_index(None), f"{DOCKER_LIST}; charset=utf-8", DOCKER_LIST),
        (_index(None), "application/octet-stream", OCI_INDEX),
        (_index(None), None, OCI_INDEX),
        # The body's own mediaType beats a vague header.
        (_index(), "application/json", OCI_INDEX),
    ],
)
def test_parse_index(body: bytes, content_type: str | None, kind: str) -> None:
    manifest = parse(body, content_type)
    assert manifest.media_type == kind
    assert manifest.is_index
    assert manifest.children == tuple(
        PlatformEntry(c.os, c.architecture, c.variant, c.digest, c.media_type) for c in CHILDREN
    )


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (_image(), OCI_MANIFEST, OCI_MANIFEST),
        (_image(DOCKER_MANIFEST), "", DOCKER_MANIFEST),
        (_image(None), "", OCI_MANIFEST),
        (_image(None), DOCKER_MANIFEST, DOCKER_MANIFEST),
    ],
)
def test_parse_image(body: bytes, content_type: str, kind: str) -> None:
    manifest = parse(body, content_type)
    assert manifest.media_type == kind
    assert not manifest.is_index
    assert manifest.config == Descriptor("c", DIGEST, 3)
    assert [layer.size for layer in manifest.layers] == [100, 20]


SCHEMA1 = json.dumps(
    {"schemaVersion": 1, "name": "a", "tag": "1", "fsLayers": [], "signatures": [{}]}
).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"not json", OCI_MANIFEST, "not JSON"),
        (b"[1, 2]", OCI_MANIFEST, "not a JSON object"),
        (b"\xff\xfe", OCI_MANIFEST, "not JSON"),
        (SCHEMA1, "application/vnd.docker.distribution.manifest.v1+prettyjws", "schema 1"),
        (SCHEMA1, "application/json", "schema 1"),
        (b'{"schemaVersion": 1}', "", "schema 1"),
        (b'{"mediaType": "text/html"}', "text/html", "unsupported manifest media type"),
        (b"{}", "", "unsupported manifest media type 'unknown'"),
        (json.dumps({"mediaType": OCI_INDEX}).encode(), "", "without a manifests list"),
        (json.dumps({"mediaType": OCI_MANIFEST, "layers": []}).encode(), "", "without config"),
        (
            json.dumps(
                {"mediaType": OCI_INDEX, "manifests": [{"digest": "x", "size": 1}]}
            ).encode(),
            "",
            "valid digest",
        ),
        (
            json.dumps(
                {"mediaType": OCI_INDEX, "manifests": [{"digest": DIGEST, "size": "1"}]}
            ).encode(),
            "",
            "valid digest and size",
        ),
        (json.dumps({"mediaType": OCI_INDEX, "manifests": ["x"]}).encode(), "", "not an object"),
    ],
)
def test_parse_rejects(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse(body, content_type)
