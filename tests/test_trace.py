"""-vv / --trace: each registry exchange (method, URL, status, time), each cache answer with
its age, the credential source; -v: answers from the cache with their age; never a secret,
and nothing a registry or a file controls reaches the terminal unescaped."""

from __future__ import annotations

import argparse
import asyncio
import base64
import errno
import re
from pathlib import Path

import httpx
import pytest
from conftest import RegistryEnv
from manifests import pod
from registry_server import PASSWORD, USERNAME, Registry

from linter.cli import main
from linter.commands.common import tracer
from linter.registry import trace


def traced(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    main([*argv])
    return [
        line.removeprefix("imagepin: trace: ")
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("imagepin: trace: ")
    ]


def test_the_trace_of_a_token_registry(
    registry_login: RegistryEnv,
    token_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = token_registry.ref("private/app", "1.0")
    (tmp_path / "pod.yaml").write_text(pod(image))
    monkeypatch.chdir(tmp_path)
    lines = traced(capsys, "check", "--trace", "--cache-dir", "cache", "pod.yaml")
    base = token_registry.url
    realm = token_registry.token_server.realm  # type: ignore[union-attr]
    config = registry_login.docker_config / "config.json"
    patterns = [
        re.escape("cache miss: ") + re.escape(image),
        re.escape(f"HEAD {base}/v2/private/app/manifests/1.0 -> 401 in ")
        + r"\d+ ms \(no credentials\)",
        re.escape(
            f"credentials for {token_registry.host}/private/app: {config}, "
            f"auths[{token_registry.host!r}]"
        ),
        re.escape(f"GET {realm} -> 200 in ") + r"\d+ ms \(Basic\)",
        re.escape(f"HEAD {base}/v2/private/app/manifests/1.0 -> 200 in ") + r"\d+ ms \(Bearer\)",
    ]
    assert len(lines) == len(patterns), lines
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)

    # Again: the answer comes from the cache, with its age; no exchange at all.
    lines = traced(capsys, "check", "-vv", "--cache-dir", "cache", "pod.yaml")
    assert len(lines) == 1 and re.fullmatch(
        re.escape(f"cache hit: {image} -> sha256:") + r"[0-9a-f]{64}, stored \d+ s ago", lines[0]
    )


def test_verbose_says_which_answers_came_from_the_cache_and_refresh_asks_again(
    registry_env: RegistryEnv,
    plain_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = plain_registry.ref("app/single", "1.0")
    (tmp_path / "pod.yaml").write_text(pod(image))
    monkeypatch.chdir(tmp_path)
    argv = ["check", "--cache-dir", "cache", "-v", "--color", "never", "pod.yaml"]
    main(argv)
    assert "from the cache" not in capsys.readouterr().err
    mark = plain_registry.mark()
    main(argv)
    err = capsys.readouterr().err
    assert re.fullmatch(
        re.escape(f"imagepin: {image}: digest from the cache, stored ")
        + r"\d+ s ago \(--refresh asks the registry again\)\n",
        err,
    ), err
    assert plain_registry.requests(since=mark) == []
    main([*argv, "--refresh"])
    assert "from the cache" not in capsys.readouterr().err
    assert [r.method for r in plain_registry.requests(since=mark)] == ["HEAD"]
    # The refreshed answer is stored: the next run takes it from the cache again.
    main(argv)
    assert "digest from the cache" in capsys.readouterr().err


def test_refresh_shows_in_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--show-settings", "--refresh"]) == 0
    assert re.search(r"^cache-ttl = 0 +# --refresh$", capsys.readouterr().out, re.MULTILINE)


def test_no_secret_in_the_trace(
    registry_login: RegistryEnv,
    basic_tls_registry: Registry,
    token_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    images = [
        basic_tls_registry.ref("private/app", "1.0"),
        token_registry.ref("private/app", "1.0"),
        token_registry.ref("private/nothing", "1.0"),
    ]
    (tmp_path / "pod.yaml").write_text(pod(*images))
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["check", "--trace"],
        ["resolve", "--trace", *images],
        ["inspect", "--trace", images[0]],
    ):
        main([*argv, "--no-cache"] + (["pod.yaml"] if argv[0] == "check" else []))
        out, err = capfd.readouterr()
        assert "trace: " in err
        basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        for secret in (PASSWORD, basic, "token="):
            assert secret not in out + err, (argv, secret)
        # Tokens are never printed: no Authorization value, no query string of a realm.
        assert "Bearer " not in err and "?" not in err


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (
            trace.Exchange("GET", "http://r.example/v2/\x1b[31mred/manifests/1", 200, 0.0123, ""),
            "imagepin: trace: GET http://r.example/v2/\\x1b[31mred/manifests/1 -> 200 in 12 ms "
            "(no credentials)",
        ),
        (
            trace.Exchange(
                "HEAD", "https://r.example/v2/a/manifests/1", None, 10.0, "Bearer", "ReadTimeout"
            ),
            "imagepin: trace: HEAD https://r.example/v2/a/manifests/1 -> failed (ReadTimeout) in "
            "10000 ms (Bearer)",
        ),
        (
            trace.CacheAnswer("r.example/a:1", "sha256:" + "0" * 64, 4000.0),
            "imagepin: trace: cache hit: r.example/a:1 -> sha256:" + "0" * 64 + ", stored 1 h ago",
        ),
        (trace.CacheAnswer("r.example/a:1"), "imagepin: trace: cache miss: r.example/a:1"),
        (
            trace.CredentialsFound("r.example/a", "/home/me/.docker/config.json\r\nforged"),
            "imagepin: trace: credentials for r.example/a: /home/me/.docker/config.json\\r\\nforged",
        ),
        (
            trace.CredentialsFound("r.example", ""),
            "imagepin: trace: credentials for r.example: none found (anonymous)",
        ),
    ],
)
def test_trace_lines_are_escaped(
    event: trace.Event, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tell = tracer(argparse.Namespace(verbose=2, trace=False))
    assert tell is not None
    tell(event)
    tell(event)
    err = capsys.readouterr().err
    # A credential source is said once per run; everything else each time it happens.
    assert err == (line + "\n") * (1 if isinstance(event, trace.CredentialsFound) else 2)


def test_no_tracer_without_verbose() -> None:
    assert tracer(argparse.Namespace(verbose=0, trace=False)) is None
    assert tracer(argparse.Namespace(verbose=0, trace=True)) is not None


async def _failing(error: Exception) -> httpx.Response:
    raise error


def _refused() -> httpx.ConnectError:
    try:
        try:
            raise OSError(errno.ECONNREFUSED, "Connect call failed")
        except OSError as cause:
            raise httpx.ConnectError("All connection attempts failed") from cause
    except httpx.ConnectError as error:
        return error


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (_refused(), "connection refused (nothing listens on that port)"),
        (httpx.ReadTimeout("timed out"), "timed out (ReadTimeout)"),
        (RuntimeError("not a network problem"), "RuntimeError"),
    ],
)
def test_a_failed_exchange_is_traced_with_the_kind_of_failure(
    error: Exception, problem: str
) -> None:
    """The trace names a failure as IMG011 does (DNS, refused, timeout, TLS)."""
    events: list[trace.Event] = []
    request = httpx.Request("HEAD", "http://r.example/v2/a/manifests/1?scope=x")
    with pytest.raises(type(error)):
        asyncio.run(trace.timed(events.append, request, _failing(error)))
    (event,) = events
    assert isinstance(event, trace.Exchange)
    assert (event.url, event.status, event.problem) == (
        "http://r.example/v2/a/manifests/1",
        None,
        problem,
    )
