"""Secrets: never in an output, a log, a cache entry or an error; never in clear text across a
network; credential helpers run without a shell and within a timeout.

tests/test_registry_command_resolve.py greps ``resolve`` and ``inspect``; here it
is ``check`` and ``fix`` in every output format, the GitHub step summary, every
log record at DEBUG level (httpx, httpcore, h2 and hpack included), the
persistent cache and the rewritten files.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from conftest import RegistryEnv
from registry_server import (
    PASSWORD,
    REFRESH_TOKEN,
    USERNAME,
    FakeRegistry,
    Registry,
    build_image,
    plain_http_only,
    resolve_offline,
    tls_only,
)

from linter.cli import main
from linter.model import ErrorKind
from linter.registry import RegistryOptions
from linter.registry.auth.credentials import CredentialError, run_helper
from linter.report import FORMATS

WRONG_PASSWORD = "Wr0ng-but-still-S3cret-1187"


def encoded(password: str) -> str:
    return base64.b64encode(f"{USERNAME}:{password}".encode()).decode()


SECRETS = (PASSWORD, REFRESH_TOKEN, encoded(PASSWORD), WRONG_PASSWORD, encoded(WRONG_PASSWORD))


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"
    # The token registry's JWTs (ES256, base64url JSON: '{"' is 'eyJ').
    assert "eyJ" not in text, f"a token leaked into {where}"


def test_no_secret_in_any_output_log_cache_or_file(
    registry_login: RegistryEnv,
    basic_tls_registry: Registry,
    token_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config_path = registry_login.docker_config / "config.json"
    config = json.loads(config_path.read_text())
    config["auths"][token_registry.host] = {"identitytoken": REFRESH_TOKEN}
    config_path.write_text(json.dumps(config))
    token_registry.push("private/secrets", "1.0", build_image("secrets"))
    images = [
        basic_tls_registry.ref("app/multi", "1.0"),
        token_registry.ref("private/secrets", "1.0"),
        token_registry.ref("private/missing", "1.0"),
        basic_tls_registry.ref("private/missing", "1.0"),
    ]
    containers = "".join(f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pod.yaml").write_text(f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n{containers}")
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(repo)
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def run(*argv: str) -> None:
        main(list(argv))
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)

    for fmt in FORMATS:
        run("check", "-v", "--format", fmt, "pod.yaml")
    run("fix", "-v", "--diff", "pod.yaml")
    run("fix", "-v", "--format", "json", "pod.yaml")
    # Refused credentials: the errors name the registry and the source, never the secret.
    basic_tls_registry.docker_config(registry_login.docker_config, password=WRONG_PASSWORD)
    run("check", "-v", "--no-cache", "--format", "json", "pod.yaml")
    assert "401" in outputs[-1]
    assert "private/secrets:1.0@sha256:" in (repo / "pod.yaml").read_text()
    assert any(r.grant_type == "refresh_token" for r in token_registry.token_server.requests)
    assert len(caplog.records) > 20  # httpx and friends did log: there was something to grep
    for index, text in enumerate(outputs):
        assert_no_secret(f"output {index}", text)
    assert_no_secret("the step summary", summary.read_text())
    assert_no_secret("the logs", "\n".join(r.getMessage() for r in caplog.records))
    assert_no_secret("the pinned file", (repo / "pod.yaml").read_text())
    cached = [path for path in registry_login.cache.rglob("*") if path.is_file()]
    assert cached
    assert_no_secret("the cache", "\n".join(path.read_text() for path in cached))


# --- never in clear text across a network --------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "auth", "plain", "sent"),
    [
        # Listed insecure and plain HTTP: no credentials leave the machine in clear text.
        ("lan.example:5000", "basic", True, False),
        ("lan.example:5000", "bearer", True, False),
        ("10.1.2.3:5000", "basic", True, False),
        # The same registry over TLS (unverified, being insecure): credentials are sent.
        ("lan.example:5000", "basic", False, True),
        ("lan.example:5000", "bearer", False, True),
        # Loopback never leaves the machine.
        ("127.0.0.1:5000", "basic", True, True),
        ("localhost:5000", "bearer", True, True),
    ],
)
def test_credentials_never_cross_plain_http_to_another_host(
    host: str, auth: str, plain: bool, sent: bool
) -> None:
    realm = f"http://{host.split(':')[0]}:5001/token" if plain else f"https://{host}/token"
    fake = FakeRegistry(host, auth=auth, realm=realm)
    fake.push("private/app", "1", build_image("plain"))
    entry = {"auth": encoded(PASSWORD)} if auth == "basic" else {"identitytoken": REFRESH_TOKEN}
    environ = {"HOME": "/nonexistent", "DOCKER_AUTH_CONFIG": json.dumps({"auths": {host: entry}})}
    ref = f"{host}/private/app:1"
    handler = plain_http_only(fake) if plain else tls_only(fake)
    answers, _ = resolve_offline([ref], handler, RegistryOptions(insecure=(host,)), environ=environ)
    carried = [
        r
        for r in fake.requests
        if encoded(PASSWORD) in r.headers.get("authorization", "")
        or REFRESH_TOKEN.encode() in r.content
    ]
    assert bool(carried) is sent
    assert all(r.url.scheme == "https" or host.startswith(("127.", "localhost")) for r in carried)
    if sent:
        assert answers[ref].digest is not None
    else:
        error = answers[ref].error
        assert error is not None and error.kind is ErrorKind.AUTH


# --- credential helpers: no shell, a timeout --------------------------------------------------

HELPER = """#!/bin/sh
echo "$$" > "{pid}"
printf '%s\\n' "$@" > "{argv}"
cat > "{stdin}"
{tail}
"""


def install_helper(directory: Path, monkeypatch: pytest.MonkeyPatch, tail: str) -> dict[str, Path]:
    files = {name: directory / f"helper.{name}" for name in ("pid", "argv", "stdin")}
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker-credential-hostile"
    script.write_text(HELPER.format(tail=tail, **files))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return files


@pytest.mark.parametrize(
    "server",
    ["$(touch PWNED)", "`touch PWNED`", "x; touch PWNED", "x\ntouch PWNED", "' || touch PWNED '"],
)
def test_helper_gets_the_server_on_stdin_and_no_shell_reads_it(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = install_helper(tmp_path, monkeypatch, 'echo "credentials not found"; exit 1')
    monkeypatch.chdir(tmp_path)
    assert asyncio.run(run_helper("hostile", server)) is None
    assert files["argv"].read_text() == "get\n"
    assert files["stdin"].read_text() == server
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "name", ["x;touch PWNED", "$(touch PWNED)", "`touch PWNED`", "a|b", "a&b", "-rf"]
)
def test_helper_names_that_are_shell_syntax_are_refused(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CredentialError, match="invalid credential helper name"):
        asyncio.run(run_helper(name, "registry.example"))
    assert not (tmp_path / "PWNED").exists()


def test_a_hanging_helper_is_killed_at_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = install_helper(tmp_path, monkeypatch, "exec sleep 60")
    with pytest.raises(CredentialError, match=r"docker-credential-hostile timed out after 0.5s"):
        asyncio.run(run_helper("hostile", "registry.example", timeout=0.5))
    with pytest.raises(ProcessLookupError):
        os.kill(int(files["pid"].read_text()), 0)
