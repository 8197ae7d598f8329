"""``imagepin inspect`` end to end, against the real registries."""

from __future__ import annotations

import json

import pytest
from conftest import RegistryEnv
from registry_server import Image, Registry

from linter.cli import main


def test_inspect(
    registry_login: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    basic_tls_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    ref = basic_tls_registry.ref("app/multi", "1.0")
    assert main(["inspect", "--no-cache", "--platform", "linux/arm/v7", ref]) == 0
    document = json.loads(capsys.readouterr().out)
    image = registry_catalog["app/multi:1.0"]
    child = image.child("linux/arm/v7")
    config, layer = child.blobs
    layer_json = {
        "digest": layer.digest,
        "size": len(layer.data),
        "media_type": layer.media_type,
        "annotations": None,
    }
    assert document == {
        "name": f"{basic_tls_registry.host}/app/multi",
        "tag": "1.0",
        "digest": image.digest,
        "media_type": image.media_type,
        "platforms": [
            {
                "os": os_name,
                "architecture": arch,
                "variant": variant[0] if variant else None,
                "digest": c.digest,
                "media_type": c.media_type,
            }
            for c in image.children
            for os_name, arch, *variant in [c.platform.split("/")]  # type: ignore[union-attr]
        ],
        "image": {
            "platform": "linux/arm/v7",
            "digest": child.digest,
            "media_type": child.media_type,
            "config_digest": config.digest,
            "created": "2024-05-01T12:00:00Z",
            "labels": {"seed": "multi"},
            "layers": [layer_json],
            "size": len(layer.data),
            # What the config does not set is null.
            **dict.fromkeys(
                ("docker_version", "env", "entrypoint", "cmd", "user", "working_dir"), None
            ),
            "exposed_ports": None,
        },
        "tags": None,
        "tags_complete": None,
        "signatures": {
            "state": "missing",
            "key": None,
            "reason": "no cosign or Notation signature found",
            "found": [],
        },
    }


def test_inspect_not_found_exits_1(
    registry_env: RegistryEnv, capsys: pytest.CaptureFixture[str], plain_registry: Registry
) -> None:
    ref = plain_registry.ref("app/multi", "0.0")
    assert main(["inspect", "--no-cache", ref]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    # Read by GET (the body is needed): the registry's error code comes with it.
    assert err == (
        f"imagepin: {ref}: not-found: {plain_registry.host}: app/multi:0.0 not found "
        "(MANIFEST_UNKNOWN: manifest unknown)\n"
    )
