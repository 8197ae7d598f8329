"""Against real ``docker-registry`` processes on loopback (tests/registry_server.py).

Plain HTTP, TLS + Basic, and Bearer tokens from a token server: exact digests,
platforms, auth failures, credential helpers, mirrors, the connections opened to a
plain-HTTP registry, and the request budget (acceptance: 200 tags in 200 repositories).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import stat
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from conftest import RegistryEnv
from registry_server import (
    PASSWORD,
    USERNAME,
    Image,
    Registry,
    build_image,
    multi_platform,
)

from linter.config import Config
from linter.model import ErrorKind
from linter.reference import parse
from linter.registry import RegistryOptions, RunStats, resolve_all, resolve_with_stats
from linter.registry.auth.tokens import BATCH_SCOPES

SETUPS = ("plain_registry", "basic_tls_registry", "token_registry")
T = TypeVar("T")


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("key", ["app/single:1.0", "app/oci:1.0", "app/multi:1.0", "app/list:1.0"])
def test_every_setup_resolves_exact_digests(
    request: pytest.FixtureRequest,
    registry_login: RegistryEnv,
    registry_catalog: dict[str, Image],
    setup: str,
    key: str,
) -> None:
    registry: Registry = request.getfixturevalue(setup)
    ref = parse(f"{registry.host}/{key}")
    answers, stats = resolve_with_stats([ref], RegistryOptions(need_platforms=True))
    resolution = answers[ref]
    image = registry_catalog[key]
    assert resolution.error is None
    assert (resolution.digest, resolution.media_type) == (image.digest, image.media_type)
    assert [p.digest for p in resolution.platforms] == [c.digest for c in image.children]
    assert stats.registries_failed == {}


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize(
    ("key", "platform", "child"),
    [
        ("app/multi:1.0", "linux/arm/v7", "linux/arm/v7"),
        ("app/multi:1.0", "linux/arm64", "linux/arm64"),
        ("app/list:1.0", "linux/arm64/v8", "linux/arm64"),
        ("app/list:1.0", "linux/amd64", "linux/amd64"),
        ("app/armv6:1.0", "linux/arm/v7", "linux/arm/v6"),
    ],
)
def test_platform_digests(
    request: pytest.FixtureRequest,
    registry_login: RegistryEnv,
    registry_catalog: dict[str, Image],
    setup: str,
    key: str,
    platform: str,
    child: str,
) -> None:
    registry: Registry = request.getfixturevalue(setup)
    ref = parse(f"{registry.host}/{key}")
    answers, _ = resolve_with_stats([ref], RegistryOptions(platform=platform))
    expected = registry_catalog[key].child(child)
    assert (answers[ref].digest, answers[ref].media_type) == (expected.digest, expected.media_type)


@pytest.mark.parametrize("setup", ["basic_tls_registry", "token_registry"])
def test_wrong_password_is_an_auth_error_naming_the_registry(
    request: pytest.FixtureRequest,
    registry_env: RegistryEnv,
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
) -> None:
    registry: Registry = request.getfixturevalue(setup)
    registry.docker_config(registry_env.docker_config, password="not-the-right-one")
    if registry.ca_file:
        monkeypatch.setenv("SSL_CERT_FILE", str(registry.ca_file))
    ref = parse(registry.ref("app/single", "1.0"))
    answers, stats = resolve_with_stats([ref], RegistryOptions())
    error = answers[ref].error
    assert error is not None
    assert (error.kind, error.registry) == (ErrorKind.AUTH, registry.host)
    assert list(stats.registries_failed) == [registry.host]
    assert "not-the-right-one" not in error.message


def test_private_repository_needs_credentials(
    registry_env: RegistryEnv, token_registry: Registry, registry_catalog: dict[str, Image]
) -> None:
    ref = parse(token_registry.ref("private/app", "1.0"))
    anonymous, _ = resolve_with_stats([ref], RegistryOptions())
    assert anonymous[ref].error is not None and anonymous[ref].error.kind is ErrorKind.AUTH
    token_registry.docker_config(registry_env.docker_config)
    mark = token_registry.token_server.mark()  # type: ignore[union-attr]
    answers, _ = resolve_with_stats([ref], RegistryOptions())
    assert answers[ref].digest == registry_catalog["private/app:1.0"].digest
    (token_request,) = token_registry.token_server.requests_since(mark)  # type: ignore[union-attr]
    assert (token_request.user, token_request.scopes) == (
        USERNAME,
        ("repository:private/app:pull",),
    )


def test_tls_is_verified(registry_env: RegistryEnv, basic_tls_registry: Registry) -> None:
    basic_tls_registry.docker_config(registry_env.docker_config)
    ref = parse(basic_tls_registry.ref("app/single", "1.0"))
    answers, _ = resolve_with_stats([ref], RegistryOptions())
    error = answers[ref].error
    assert error is not None and error.kind is ErrorKind.UNREACHABLE
    assert error.message.startswith("TLS: the certificate does not verify: ")
    # --insecure-registry: TLS without verification, for that host only.
    answers, _ = resolve_with_stats([ref], RegistryOptions(insecure=(basic_tls_registry.host,)))
    assert answers[ref].error is None


def test_certs_d_style_ca_through_ssl_cert_file_and_http2(
    registry_login: RegistryEnv, basic_tls_registry: Registry
) -> None:
    mark = basic_tls_registry.mark()
    ref = parse(basic_tls_registry.ref("app/oci", "1.0"))
    answers, _ = resolve_with_stats([ref], RegistryOptions())
    assert answers[ref].error is None
    requests = basic_tls_registry.requests(mark)
    assert requests and all(r.method == "HEAD" for r in requests)
    # One TLS connection, HTTP/2 streams: the registry offers h2 and the client takes it.
    assert {r.protocol for r in requests} == {"2.0"}


HELPER = """#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
if [ "$server" = "{host}" ]; then
  printf '{{"ServerURL":"%s","Username":"{user}","Secret":"{password}"}}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
"""


def test_credential_helper(
    registry_env: RegistryEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    basic_tls_registry: Registry,
    registry_catalog: dict[str, Image],
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-test"
    helper.write_text(HELPER.format(host=basic_tls_registry.host, user=USERNAME, password=PASSWORD))
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (registry_env.docker_config / "config.json").write_text(
        json.dumps({"credHelpers": {basic_tls_registry.host: "test"}})
    )
    assert basic_tls_registry.ca_file is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(basic_tls_registry.ca_file))
    ref = parse(basic_tls_registry.ref("app/single", "1.0"))
    answers, _ = resolve_with_stats([ref], RegistryOptions())
    assert answers[ref].digest == registry_catalog["app/single:1.0"].digest


def test_mirror_for_docker_hub(
    registry_env: RegistryEnv, plain_registry: Registry, registry_catalog: dict[str, Image]
) -> None:
    """``nginx:1.27`` resolves through a loopback mirror; the name stays docker.io's."""
    ref = parse("nginx:1.27")
    options = RegistryOptions(mirrors={"docker.io": (plain_registry.host,)})
    mark = plain_registry.mark()
    answers, stats = resolve_with_stats([ref], options)
    assert answers[ref].digest == registry_catalog["library/nginx:1.27"].digest
    assert str(answers[ref].reference) == "docker.io/library/nginx:1.27"
    assert [(r.method, r.path) for r in plain_registry.requests(mark)] == [
        ("HEAD", "/v2/library/nginx/manifests/1.27")
    ]
    assert stats.registries_failed == {}


def test_repushed_tag_makes_the_pin_stale(
    registry_env: RegistryEnv, plain_registry: Registry, tmp_path: Path
) -> None:
    old = plain_registry.push("test/repush", "1.0", build_image("repush-old"))
    options = RegistryOptions(cache_dir=tmp_path / "cache", cache_ttl=0)
    pinned = parse(plain_registry.ref("test/repush", "1.0", old))
    answers, _ = resolve_with_stats([pinned], options)
    assert (answers[pinned].digest, answers[pinned].pinned_exists) == (old, True)
    new = plain_registry.push("test/repush", "1.0", multi_platform("repush-new"))
    answers, _ = resolve_with_stats([pinned], options)
    resolution = answers[pinned]
    assert resolution.digest == new
    # The old manifest is still there (only the tag moved), and the platforms say it is no child.
    assert resolution.pinned_exists is True
    assert old not in {p.digest for p in resolution.platforms} and len(resolution.platforms) == 3


def test_unreachable_registry(registry_env: RegistryEnv) -> None:
    from registry_server import free_port

    ref = parse(f"127.0.0.1:{free_port()}/app:1")
    answers, stats = resolve_with_stats([ref], RegistryOptions(timeout=2))
    error = answers[ref].error
    assert error is not None and error.kind is ErrorKind.UNREACHABLE
    assert "after 4 attempts" in error.message
    assert list(stats.registries_failed) == [error.registry]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until its end, then pass the end on."""
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.write_eof()


async def counting_connections(target: int, work: Callable[[int], Awaitable[T]]) -> tuple[T, int]:
    """``work(port)`` with a forwarder from 127.0.0.1:``port`` to 127.0.0.1:``target``, and
    how many connections ``work`` made through it (all: even those closed unused)."""
    connections = 0
    handlers: list[asyncio.Task[None]] = []

    async def forward(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))
        client_w.close()
        server_w.close()

    def note(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.ensure_future(forward(reader, writer)))

    server = await asyncio.start_server(note, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await work(port)
        # One more connection, the test's own: connections are accepted in the order they
        # were made, so once this one is answered every one before it was counted.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /v2/ HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n")
        assert (await reader.read()).startswith(b"HTTP/1.1 200 OK")
        writer.close()
        await writer.wait_closed()
        # Every client closed its connections: each forwarding ends with them.
        await asyncio.wait_for(asyncio.gather(*handlers), 10)
    finally:
        server.close()
        await server.wait_closed()
    return result, connections - 1


@pytest.mark.parametrize("count", [1, 3, 24])
def test_plain_http_opens_no_more_connections_than_references_in_flight(
    registry_env: RegistryEnv, plain_registry: Registry, count: int
) -> None:
    """Over plain HTTP (HTTP/1.1, a connection per request in flight) the client opens the
    connections its waiting references will need as soon as the registry first answers:
    never more than one per reference nor per_registry (16) in all, and a lone reference
    gets its one connection only."""
    images = {
        f"connections/{count}/repo-{i:02d}": build_image(f"conn-{count}-{i}") for i in range(count)
    }
    plain_registry.push_many((repo, "1.0", image) for repo, image in images.items())
    options = RegistryOptions.from_config(Config(), no_cache=True)
    assert options.per_registry == 16
    stats = RunStats()

    async def resolve(port: int) -> dict[str, str | None]:
        refs = [parse(f"127.0.0.1:{port}/{repo}:1.0") for repo in images]
        answers = await resolve_all(refs, options, stats)
        return {ref.path: answers[ref].digest for ref in refs}

    digests, connections = asyncio.run(counting_connections(plain_registry.process.port, resolve))
    assert digests == {repo: image.digest for repo, image in images.items()}
    assert stats.registries_failed == {}
    assert 1 <= connections <= min(16, count)
    if count == 1:
        assert connections == 1


def test_two_hundred_repositories(
    registry_env: RegistryEnv, token_registry: Registry, tmp_path: Path
) -> None:
    """Acceptance: 200 tags in 200 repositories on the token registry.

    At most 201 manifest requests (one refused to learn the challenge, then one HEAD
    each), at most one token request per repository; a second run makes none.
    """
    count = 200
    images = {f"bulk/repo-{i:03d}": build_image(f"bulk-{i}") for i in range(count)}
    token_registry.push_many((repo, f"v{repo[-3:]}", image) for repo, image in images.items())
    refs = [parse(token_registry.ref(repo, f"v{repo[-3:]}")) for repo in images]
    server = token_registry.token_server
    assert server is not None
    mark, token_mark = token_registry.mark(), server.mark()
    options = RegistryOptions(cache_dir=tmp_path / "cache")

    answers, stats = resolve_with_stats(refs, options)

    assert {str(r.reference): r.digest for r in answers.values()} == {
        str(ref): images[ref.path].digest for ref in refs
    }
    log = token_registry.requests(mark)
    manifest_requests = [r for r in log if r.is_manifest]
    refused = [r for r in manifest_requests if r.status == 401]
    tokens = server.requests_since(token_mark)
    per_repository = Counter(repo for t in tokens for repo in t.repositories)
    assert len(manifest_requests) <= count + 1
    assert len(refused) <= 1
    assert len(log) == len(manifest_requests)  # nothing but manifest requests
    assert all(r.method == "HEAD" for r in manifest_requests)
    # One token per repository, asked in batches of scopes (tokens.BATCH_SCOPES).
    assert per_repository == {repo: 1 for repo in images}
    assert len(tokens) <= math.ceil(count / BATCH_SCOPES) + 1
    # Loopback is asked over plain HTTP first: no TLS attempt at all.
    assert (stats.requests, stats.token_requests) == (len(log) + len(tokens), len(tokens))

    mark, token_mark = token_registry.mark(), server.mark()
    again, warm = resolve_with_stats(refs, options)
    assert again == answers
    assert token_registry.requests(mark) == [] and server.requests_since(token_mark) == []
    assert (warm.requests, warm.token_requests, warm.cache_hits) == (0, 0, count)
