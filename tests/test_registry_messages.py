"""Network problems name the host and the kind (DNS, refused, timeout, TLS, HTTP status),
and the text report shows one line per registry that failed, with a count."""

from __future__ import annotations

import base64
import errno
import json
import socket
import ssl
from pathlib import Path

import httpx
import pytest
from conftest import RegistryEnv
from manifests import pod
from registry_server import USERNAME, Image, Registry, free_port

from linter.cli import main
from linter.registry.http.failures import describe_failure

DIGEST = "sha256:" + "ab" * 32


def _chained(outer: httpx.RequestError, inner: BaseException) -> httpx.RequestError:
    try:
        try:
            raise inner
        except BaseException as cause:
            raise outer from cause
    except httpx.RequestError as raised:
        return raised


def _certificate_error() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "self-signed certificate in certificate chain"
    return error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ReadTimeout("read timed out"), "timed out (ReadTimeout)"),
        (httpx.ConnectTimeout("connect timed out"), "timed out (ConnectTimeout)"),
        (
            _chained(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")),
            "DNS: cannot resolve the host name (Name or service not known)",
        ),
        (
            _chained(httpx.ConnectError("x"), OSError(errno.ECONNREFUSED, "Connect call failed")),
            "connection refused (nothing listens on that port)",
        ),
        (
            _chained(httpx.ReadError("x"), ConnectionResetError(errno.ECONNRESET, "reset")),
            "connection reset by the server",
        ),
        (
            _chained(httpx.ConnectError("x"), OSError(errno.EHOSTUNREACH, "No route to host")),
            "host unreachable (no route to it)",
        ),
        (
            _chained(httpx.ConnectError("x"), _certificate_error()),
            "TLS: the certificate does not verify: self-signed certificate in certificate chain",
        ),
        (
            _chained(httpx.ConnectError("x"), ssl.SSLError(1, "WRONG_VERSION_NUMBER")),
            "TLS: the handshake failed: WRONG_VERSION_NUMBER",
        ),
        (httpx.RemoteProtocolError("Server disconnected\nmore"), "Server disconnected"),
    ],
)
def test_each_kind_of_network_problem_is_named(error: httpx.RequestError, message: str) -> None:
    assert describe_failure(error) == message


def test_a_refused_registry_is_one_line_with_a_count(
    registry_env: RegistryEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    host = f"127.0.0.1:{port}"
    images = [f"{host}/{name}:1@{DIGEST}" for name in "abc"]
    (tmp_path / "down.yaml").write_text(pod(*images))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--color", "never", "down.yaml"]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"down.yaml:6:14: IMG011 [unreachable-registry] {host}: connection refused (nothing "
        "listens on that port) (after 4 attempts); 3 images were not checked (-v lists them)\n"
        "checked 1 file, 3 images, 0 errors, 3 warnings\n"
    )
    assert main(["check", "--no-cache", "--color", "never", "-v", "down.yaml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("; 3 images were not checked")
    assert lines[1:4] == [
        f"    down.yaml:{6 + 2 * i}:14: '{host}/{name}:1@{DIGEST}'" for i, name in enumerate("abc")
    ]
    assert main(["check", "--no-cache", "--format", "json", "down.yaml"]) == 0
    assert '"message": "' + f"{host}: connection refused" in capsys.readouterr().out


def test_a_certificate_that_does_not_verify_is_a_tls_problem(
    registry_env: RegistryEnv,
    basic_tls_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The test CA is not trusted here (registry_env, not registry_login)."""
    image = basic_tls_registry.ref("app/single", "1.0")
    (tmp_path / "pod.yaml").write_text(pod(image))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--color", "never", "-q", "pod.yaml"]) == 1
    out = capsys.readouterr().out
    assert (
        f"IMG011 [unreachable-registry] {basic_tls_registry.host}: TLS: the certificate does "
        "not verify: unable to get local issuer certificate; "
    ) in out


def test_not_fixed_names_the_option_that_would_fix_it_at_path_line_col(
    registry_env: RegistryEnv,
    plain_registry: Registry,
    registry_catalog: dict[str, Image],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Helm chart without a digest field: fix cannot pin it until helm-digest-in-tag."""
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    repository = plain_registry.ref("app/single", "1.0").rsplit(":", 1)[0]
    values = f'image:\n  repository: {repository}\n  tag: "1.0"\n'
    (chart / "values.yaml").write_text(values)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--no-cache", "--color", "never", "-q", "chart"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        f"chart/values.yaml:3:8: not fixed: the entry for '{repository}:1.0' has no place for "
        "a digest; set `helm-digest-in-tag = true` to write the digest into the tag"
    )
    assert (chart / "values.yaml").read_text() == values
    (tmp_path / ".imagepin.toml").write_text("helm-digest-in-tag = true\n")
    assert main(["fix", "--no-cache", "--color", "never", "-q", "chart"]) == 1
    assert "not fixed" not in capsys.readouterr().out
    assert (
        f'tag: "1.0@{registry_catalog["app/single:1.0"].digest}"'
        in (chart / "values.yaml").read_text()
    )


@pytest.mark.parametrize("setup", ["token_registry", "basic_tls_registry"])
@pytest.mark.parametrize("password", [None, "not-the-password"])
def test_auth_problems_say_whether_credentials_were_found_and_where(
    registry_env: RegistryEnv,
    setup: str,
    password: str | None,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry: Registry = request.getfixturevalue(setup)
    if registry.ca_file is not None:
        monkeypatch.setenv("SSL_CERT_FILE", str(registry.ca_file))
    config = registry_env.docker_config / "config.json"
    if password is not None:
        auth = base64.b64encode(f"{USERNAME}:{password}".encode()).decode()
        config.write_text(json.dumps({"auths": {registry.host: {"auth": auth}}}))
    (tmp_path / "pod.yaml").write_text(pod(registry.ref("private/app", "1.0")))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--format", "json", "pod.yaml"]) == 1
    (unreachable,) = [
        f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "IMG011"
    ]
    host = registry.host
    if password is None:
        files = f"{config}, {tmp_path / 'run'}/containers/auth.json, {tmp_path / 'config'}/containers/auth.json"
        who = f"no credentials for {host} (no credential file: looked for {files})"
    else:
        who = f"the credentials from {config}, auths[{host!r}]"
    if registry.token_server is not None and password is not None:
        realm = registry.token_server.realm
        told = f"{who} were rejected by token server {realm} (HTTP 401)"
    else:
        # The token server grants anonymous tokens; the registry refuses them here.
        rejected = "" if password is None else " were rejected"
        told = f"unauthorized (HTTP 401) for private/app:1.0: {who}{rejected}"
    assert unreachable["message"].startswith(f"{host}: {told}"), unreachable["message"]
    assert "not-the-password" not in unreachable["message"]
