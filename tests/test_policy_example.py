"""examples/policy, the CI-gate example, against the real test registry.

The example names public-looking images (``ghcr.io/acme/…``, ``quay.io/vendor/…``);
the test serves them from the loopback registry through the ``mirrors`` setting,
the way a pull-through mirror would, so the example's manifests are used byte for
byte and only the copy's configuration gains a ``mirrors`` line. The signatures
live beside the images in the mirror and name the original repositories, as a
pull-through mirror keeps them. The images are deterministic (the digests pinned in
the example are theirs), signed with the key derived from EXAMPLE_KEY_SEED, whose
public half is examples/policy/cosign.pub. The clock is set to 2024-06-01T12:00Z.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import RegistryEnv
from cosign_helper import EXAMPLE_KEY_SEED, cosign_signature, public_pem, sig_tag, signing_key
from registry_server import Image, Registry, build_image, build_index, multi_platform
from shared_data import SARIF_SCHEMA, needs

from linter.cli import main

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "examples" / "policy"
NOW = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
KEY = signing_key(EXAMPLE_KEY_SEED)
VENDOR_KEY = signing_key("the vendor's own key")
BOTH = ("linux/amd64", "linux/arm64")

#: Every image the example names, and who signed it.
IMAGES: dict[str, tuple[Image, Any]] = {
    "ghcr.io/acme/storefront:1.4.2": (multi_platform("storefront 1.4.2", BOTH), KEY),
    "ghcr.io/acme/log-shipper:2.0.1": (multi_platform("log-shipper 2.0.1", ("linux/amd64",)), KEY),
    "ghcr.io/acme/reports:3.1.0": (
        build_index(
            [build_image("reports 3.1.0", p, created="2023-09-01T08:00:00Z") for p in BOTH]
        ),
        KEY,
    ),
    "ghcr.io/acme/db-migrate:1.0.0": (multi_platform("db-migrate 1.0.0", BOTH), None),
    "quay.io/vendor/edge-proxy:0.9.4": (multi_platform("edge-proxy 0.9.4", BOTH), VENDOR_KEY),
}


def digest(text: str) -> str:
    return IMAGES[text][0].digest


def serve(registry: Registry) -> None:
    """Each image under ``<registry>/<its name>``, with its ``.sig`` tag when signed."""
    items: list[tuple[str, str | None, Image]] = []
    for text, (image, key) in IMAGES.items():
        repo, tag = text.rsplit(":", 1)
        items.append((repo, tag, image))
        if key is not None:
            items.append((repo, sig_tag(image.digest), cosign_signature(key, repo, image)))
    registry.push_many(items)


@pytest.fixture
def gate(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry_env: RegistryEnv,
    plain_registry: Registry,
) -> Iterator[Path]:
    serve(plain_registry)
    copy = tmp_path / "policy"
    shutil.copytree(EXAMPLE, copy)
    with (copy / ".imagepin.toml").open("a", encoding="utf-8") as config:
        host = plain_registry.host
        config.write(
            f'mirrors = {{ "ghcr.io" = ["{host}/ghcr.io"], "quay.io" = ["{host}/quay.io"] }}\n'
        )
    monkeypatch.chdir(copy)
    monkeypatch.setattr("linter.rules.utc_now", lambda: NOW)
    yield copy


NOT_OUR_KEY = "the signature does not verify with any configured key (cosign.pub)"
EXPECTED = [
    (
        "deploy/edge.yaml",
        17,
        "IMG007",
        "error",
        "quay.io/vendor/edge-proxy is not in allowed-registries (ghcr.io/acme)",
    ),
    (
        "deploy/edge.yaml",
        17,
        "IMG010",
        "error",
        f"the signature of {digest('quay.io/vendor/edge-proxy:0.9.4')} does not verify: {NOT_OUR_KEY}",
    ),
    (
        "deploy/jobs.yaml",
        15,
        "IMG012",
        "warning",
        f"ghcr.io/acme/reports:3.1.0@{digest('ghcr.io/acme/reports:3.1.0')} was built on 2023-09-01, "
        "274 days ago (max-age-days = 90)",
    ),
    (
        "deploy/jobs.yaml",
        27,
        "IMG010",
        "error",
        f"no cosign or Notation signature found for {digest('ghcr.io/acme/db-migrate:1.0.0')}",
    ),
    (
        "deploy/storefront.yaml",
        22,
        "IMG008",
        "error",
        f"ghcr.io/acme/log-shipper:2.0.1@{digest('ghcr.io/acme/log-shipper:2.0.1')} lacks "
        "platform(s) linux/arm64 (has linux/amd64)",
    ),
]


def test_the_example_key_is_the_test_key() -> None:
    assert (EXAMPLE / "cosign.pub").read_bytes() == public_pem(KEY)


def test_the_gate_finds_exactly_these(gate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", "--no-cache"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["files_scanned"], document["images"], document["errors"]) == (3, 5, [])
    assert [
        (f["path"], f["line"], f["rule"], f["level"], f["message"]) for f in document["findings"]
    ] == EXPECTED
    assert document["registry_problems"] == []


def sarif(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["check", "--format", "sarif", "--no-cache"]) == 1
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_sarif_carries_them(gate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run,) = sarif(capsys)["runs"]
    results = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
            r["level"],
            r["message"]["text"],
        )
        for r in run["results"]
    ]
    assert sorted(results) == sorted(EXPECTED)


@needs(SARIF_SCHEMA)
def test_sarif_validates(gate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jsonschema.validators import validator_for

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_for(schema)(schema).validate(sarif(capsys))
