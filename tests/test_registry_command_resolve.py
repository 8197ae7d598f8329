"""``imagepin resolve`` end to end (and the secrets and usage errors both commands share)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RegistryEnv
from registry_server import (
    PASSWORD,
    REFRESH_TOKEN,
    Image,
    Registry,
    build_image,
)

from linter.cli import main

ROOT = Path(__file__).resolve().parent.parent


def imagepin(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in a subprocess, with the (monkeypatched) environment."""
    return subprocess.run(
        [sys.executable, "-m", "linter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=120,
    )


def test_resolve_prints_pinned_references(
    registry_login: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    basic_tls_registry: Registry,
    token_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    latest = plain_registry.push("cmd/latest", "latest", build_image("cmd-latest"))
    oci = registry_catalog["app/oci:1.0"].digest
    refs = [
        plain_registry.ref("app/multi", "1.0"),
        basic_tls_registry.ref("app/single", "1.0"),
        token_registry.ref("private/app", "1.0"),
        plain_registry.ref("cmd/latest"),
        plain_registry.ref("app/oci", digest=oci),
    ]
    assert main(["resolve", "--no-cache", *refs]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{refs[0]}@{registry_catalog['app/multi:1.0'].digest}",
        f"{refs[1]}@{registry_catalog['app/single:1.0'].digest}",
        f"{refs[2]}@{registry_catalog['private/app:1.0'].digest}",
        # No tag: latest is what gets pulled, and what the pin says.
        f"{refs[3]}:latest@{latest}",
        refs[4],
    ]
    assert err == ""


def test_resolve_docker_hub_names_are_printed_in_full(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    registry_catalog: dict[str, Image],
    tmp_path: Path,
) -> None:
    config = tmp_path / ".imagepin.toml"
    config.write_text(f'mirrors = {{"docker.io" = ["{plain_registry.host}"]}}\n')
    assert main(["resolve", "--config", str(config), "--no-cache", "nginx:1.27"]) == 0
    digest = registry_catalog["library/nginx:1.27"].digest
    assert capsys.readouterr().out == f"docker.io/library/nginx:1.27@{digest}\n"


def test_resolve_platform(
    registry_login: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    token_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    ref = token_registry.ref("app/list", "1.0")
    assert main(["resolve", "--no-cache", "--platform", "linux/arm/v7", ref]) == 0
    child = registry_catalog["app/list:1.0"].child("linux/arm/v7").digest
    assert capsys.readouterr().out == f"{ref}@{child}\n"


def test_resolve_json(
    registry_login: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    good, missing = plain_registry.ref("app/list", "1.0"), plain_registry.ref("app/list", "9.9")
    assert main(["resolve", "--no-cache", "--format", "json", good, missing]) == 1
    out, err = capsys.readouterr()
    documents = json.loads(out)
    image = registry_catalog["app/list:1.0"]
    assert documents[0] == {
        "input": good,
        "reference": good,
        "pinned": f"{good}@{image.digest}",
        "digest": image.digest,
        "media_type": image.media_type,
        "pinned_exists": None,
        "platforms": [],
        "error": None,
    }
    assert documents[1]["pinned"] is None
    assert documents[1]["error"] == {
        "kind": "not-found",
        "message": "app/list:9.9 not found",
        "registry": plain_registry.host,
    }
    assert err == f"imagepin: {missing}: not-found: {plain_registry.host}: app/list:9.9 not found\n"


def test_resolve_failures_exit_1_and_keep_the_rest(
    registry_env: RegistryEnv, capsys: pytest.CaptureFixture[str], plain_registry: Registry
) -> None:
    missing_digest = "sha256:" + "0" * 64
    refs = [
        plain_registry.ref("app/oci", "1.0"),
        plain_registry.ref("app/oci", digest=missing_digest),
        plain_registry.ref("nothing/here", "1.0"),
    ]
    assert main(["resolve", "--no-cache", *refs]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and out.startswith(refs[0] + "@sha256:")
    assert err.splitlines() == [
        f"imagepin: {refs[1]}: not-found: {missing_digest} does not exist",
        f"imagepin: {refs[2]}: not-found: {plain_registry.host}: nothing/here:1.0 not found",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["resolve", "app/Upper:1"], "repository name must be lowercase"),
        (["resolve", "--platform", "linux", "nginx:1"], "invalid platform 'linux'"),
        (["resolve", "--concurrency", "0", "nginx:1"], "--concurrency must be at least 1"),
        (["inspect", "nginx:"], "invalid"),
    ],
)
def test_usage_errors_exit_2(
    registry_env: RegistryEnv, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("imagepin: error: ") and message in err and len(err.splitlines()) == 1


def test_configuration_error_exits_2(
    registry_env: RegistryEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / ".imagepin.toml"
    config.write_text("no-such-key = 1\n")
    assert main(["resolve", "--config", str(config), "nginx:1"]) == 2
    assert "unknown configuration key 'no-such-key'" in capsys.readouterr().err


def test_warm_cache_makes_no_request(
    registry_env: RegistryEnv,
    capsys: pytest.CaptureFixture[str],
    token_registry: Registry,
    tmp_path: Path,
) -> None:
    cache = str(tmp_path / "cache")
    refs = [token_registry.ref("app/multi", "1.0"), token_registry.ref("app/list", "1.0")]
    assert main(["resolve", "-v", "--cache-dir", cache, *refs]) == 0
    first = capsys.readouterr()
    assert "0 cache hits" in first.err
    mark = token_registry.mark()
    assert main(["resolve", "-v", "--cache-dir", cache, *refs]) == 0
    second = capsys.readouterr()
    assert second.out == first.out
    # -v says which answers came from the cache, and how old they are.
    said = [f"imagepin: {ref}: digest from the cache" for ref in refs]
    lines = second.err.splitlines()
    assert sorted(line.partition(", stored ")[0] for line in lines[:2]) == sorted(said)
    assert lines[2:] == ["imagepin: 0 requests, 0 token requests, 2 cache hits"]
    assert token_registry.requests(mark) == []


@pytest.mark.parametrize("setup", ["basic_tls_registry", "token_registry"])
def test_wrong_password_subprocess(
    request: pytest.FixtureRequest,
    registry_env: RegistryEnv,
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
) -> None:
    """A clear auth error naming the registry, exit 1, no traceback, no secret."""
    registry: Registry = request.getfixturevalue(setup)
    wrong = "Wr0ng-pa55word-for-test"
    registry.docker_config(registry_env.docker_config, password=wrong)
    if registry.ca_file:
        monkeypatch.setenv("SSL_CERT_FILE", str(registry.ca_file))
    ref = registry.ref("app/single", "1.0")
    for verbose in ([], ["-v"]):
        result = imagepin("resolve", "--no-cache", *verbose, ref)
        assert result.returncode == 1
        assert result.stdout == ""
        lines = [line for line in result.stderr.splitlines() if "requests" not in line]
        assert len(lines) == 1
        assert lines[0].startswith(f"imagepin: {ref}: auth: {registry.host}: ")
        assert "Traceback" not in result.stderr
        encoded = base64.b64encode(f"alice:{wrong}".encode()).decode()
        assert wrong not in result.stderr and encoded not in result.stderr


def test_no_secret_in_any_output(
    registry_login: RegistryEnv,
    basic_tls_registry: Registry,
    token_registry: Registry,
    tmp_path: Path,
) -> None:
    """With Basic, token and identity-token credentials, -v and every format: no secret shows."""
    config = json.loads((registry_login.docker_config / "config.json").read_text())
    config["auths"][token_registry.host] = {"identitytoken": REFRESH_TOKEN}
    (registry_login.docker_config / "config.json").write_text(json.dumps(config))
    refs = [
        basic_tls_registry.ref("app/multi", "1.0"),
        token_registry.ref("private/app", "1.0"),
        token_registry.ref("private/missing", "1.0"),
        basic_tls_registry.ref("private/missing", "1.0"),
    ]
    outputs = []
    for args in (
        ["resolve", "-v", *refs],
        ["resolve", "-v", "--format", "json", *refs],
        ["inspect", "-v", refs[1]],
        ["inspect", "-v", refs[2]],
    ):
        result = imagepin(args[0], "--no-cache", *args[1:])
        outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    assert token_registry.token_server is not None
    assert any(r.grant_type == "refresh_token" for r in token_registry.token_server.requests)
    encoded = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, REFRESH_TOKEN, encoded, "eyJ"):
        assert secret not in text
    assert "private/app:1.0@sha256:" in text
