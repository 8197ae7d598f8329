"""The test harness itself (tests/registry_server.py): images, the token server, log parsing."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import httpx
import jwt
import pytest
from registry_server import (
    ACCESS_LINE,
    DOCKER_LIST,
    ISSUER,
    OCI_INDEX,
    SERVICE,
    RegistryFarm,
    RegistryProcess,
    TokenServer,
    build_image,
    multi_platform,
    standard_catalog,
)

FIXTURES = Path(__file__).parent / "fixtures" / "registry"
ROOT = Path(__file__).resolve().parent.parent


def test_images_are_deterministic() -> None:
    """The digests tests assert do not depend on the machine (stored gzip, fixed times)."""
    expected = json.loads((FIXTURES / "catalog-digests.json").read_text())
    for key, image in standard_catalog().items():
        assert image.digest == expected[key]["digest"], key
        assert image.media_type == expected[key]["media_type"], key
        assert {c.platform: c.digest for c in image.children} == expected[key]["children"], key


def test_image_content() -> None:
    image = build_image("seed", "linux/arm/v7", labels={"a": "b"})
    config_blob, layer = image.blobs
    config = json.loads(config_blob.data)
    assert (config["os"], config["architecture"], config["variant"]) == ("linux", "arm", "v7")
    assert config["config"]["Labels"] == {"a": "b"}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer.data))) as tar:
        (member,) = tar.getmembers()
        assert tar.extractfile(member).read() == b"imagepin test layer seed linux/arm/v7\n"  # type: ignore[union-attr]
    manifest = json.loads(image.manifest)
    assert [d["digest"] for d in (manifest["config"], *manifest["layers"])] == [
        b.digest for b in image.blobs
    ]
    assert build_image("seed", "linux/arm/v7", labels={"a": "b"}) == image
    assert build_image("other", "linux/arm/v7").digest != image.digest


@pytest.mark.parametrize(("oci", "media_type"), [(True, OCI_INDEX), (False, DOCKER_LIST)])
def test_index(oci: bool, media_type: str) -> None:
    index = multi_platform("x", oci=oci)
    document = json.loads(index.manifest)
    assert document["mediaType"] == media_type
    assert [m["platform"] for m in document["manifests"]] == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "arm64", "os": "linux"},
        {"architecture": "arm", "os": "linux", "variant": "v7"},
    ]
    assert [m["digest"] for m in document["manifests"]] == [c.digest for c in index.children]


def test_attestation_entry() -> None:
    index = multi_platform("x", attestation=True)
    last = json.loads(index.manifest)["manifests"][-1]
    assert last["platform"] == {"architecture": "unknown", "os": "unknown"}
    assert last["annotations"]["vnd.docker.reference.type"] == "attestation-manifest"
    assert index.child("unknown/unknown").digest == last["digest"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '127.0.0.1 - - [28/Nov/2026:04:13:10 +0000] "HEAD /v2/a/b/manifests/x HTTP/1.1" 404 91 "" "curl/7.88.1"',
            ("HEAD", "/v2/a/b/manifests/x", "1.1", "404"),
        ),
        (
            '127.0.0.1 - - [28/Nov/2026:04:13:10 +0000] "GET /v2/ HTTP/2.0" 401 87 "" "imagepin"',
            ("GET", "/v2/", "2.0", "401"),
        ),
        ('time="2026-11-28T04:13:09Z" level=info msg="listening on 127.0.0.1:5999"', None),
    ],
)
def test_access_log_lines(line: str, expected: tuple[str, ...] | None) -> None:
    match = ACCESS_LINE.search(line)
    assert (match.groups() if match else None) == expected


@pytest.mark.parametrize(
    ("user", "scopes", "access"),
    [
        (
            "",
            ["repository:app/x:pull"],
            [{"type": "repository", "name": "app/x", "actions": ["pull"]}],
        ),
        (
            "",
            ["repository:app/x:pull,push"],
            [{"type": "repository", "name": "app/x", "actions": ["pull"]}],
        ),
        ("", ["repository:private/x:pull"], []),
        (
            "alice",
            ["repository:private/x:pull"],
            [{"type": "repository", "name": "private/x", "actions": ["pull"]}],
        ),
        (
            "alice",
            ["repository:localhost:5000/x:push,pull"],
            [{"type": "repository", "name": "localhost:5000/x", "actions": ["pull", "push"]}],
        ),
        ("alice", ["registry:catalog:*"], []),
    ],
)
def test_token_grants(
    tmp_path: Path, user: str, scopes: list[str], access: list[dict[str, object]]
) -> None:
    assert TokenServer(tmp_path).grant(user, scopes) == access


def test_token_claims_are_what_distribution_accepts(tmp_path: Path) -> None:
    """x5c header, aud a string (not a list), the right issuer, nbf/exp around now."""
    server = TokenServer(tmp_path, expires_in=120)
    token = server.mint("alice", ["repository:app/x:pull"])
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "ES256" and len(header["x5c"]) == 1
    assert base64.b64decode(header["x5c"][0])
    assert (claims["iss"], claims["aud"], claims["sub"]) == (ISSUER, SERVICE, "alice")
    assert claims["exp"] - claims["iat"] == 120
    assert server.cert_bundle.read_text().startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize(
    ("skip_variable", "outcome", "words"),
    [
        (None, "error", "docker-registry is not installed: install it"),
        ("1", "skipped", "IMAGEPIN_SKIP_REGISTRY_TESTS=1"),
    ],
)
def test_without_docker_registry(
    tmp_path: Path, skip_variable: str | None, outcome: str, words: str
) -> None:
    """The registry tests fail with a clear message, or skip when asked to."""
    env = {k: v for k, v in os.environ.items() if k != "IMAGEPIN_SKIP_REGISTRY_TESTS"}
    env["PATH"] = str(tmp_path)  # no docker-registry here
    if skip_variable:
        env["IMAGEPIN_SKIP_REGISTRY_TESTS"] = skip_variable
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "tests/test_registry_real.py::test_mirror_for_docker_hub",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert f"1 {outcome}" in result.stdout
    assert words in result.stdout
    assert "Traceback" not in result.stdout


def test_a_registry_whose_port_was_taken_starts_on_another(
    tmp_path: Path, registry_farm: RegistryFarm
) -> None:
    """Under pytest-xdist every worker starts its own registries: a port another process
    took between choosing it and binding it costs a restart, never another's registry.
    (``registry_farm``: fails clearly without docker-registry, as every registry test.)"""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = RegistryProcess(tmp_path / "registry", tmp_path / "storage")
        process._configure(taken.getsockname()[1])
        process.start()
        try:
            assert process.port != taken.getsockname()[1]
            assert httpx.get(f"{process.url}/v2/").status_code == 200
        finally:
            process.stop()
