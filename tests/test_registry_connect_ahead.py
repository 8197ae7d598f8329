"""Connections opened before the HTTP stack is loaded (``Answers.connect_ahead``).

A run that must ask a registry opens the TCP connection to the host's first origin (and
to its token server, when the cache remembers the registry's challenge) before it
builds its client: the handshakes then overlap the CPU of loading httpx and of the
client's set-up. Only hosts whose first request goes to a known origin are connected
to (https, or plain HTTP on loopback), only for tags the cache cannot answer, and only
when the resolver makes its own client. What a whole run costs in requests and
connections is counted by the benchmark's smoke run (tests/test_benchmarks.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from linter.reference import parse
from linter.registry import RegistryOptions, RunStats
from linter.registry.api.target import first_origin
from linter.registry.auth.challenge import Challenge
from linter.registry.cache.store import Cache, TagFacts
from linter.registry.resolution.ahead import token_origins
from linter.registry.resolution.answers import Answers

DIGEST = "sha256:" + "c" * 64


@pytest.mark.parametrize(
    ("authority", "insecure", "origin"),
    [
        ("registry.example", (), ("https", "registry.example", 443)),
        ("registry.example:5000", (), ("https", "registry.example", 5000)),
        ("127.0.0.1:5000", (), ("http", "127.0.0.1", 5000)),
        ("localhost", (), ("http", "localhost", 80)),
        ("[::1]:5000", (), ("http", "::1", 5000)),
        # An insecure host elsewhere is asked over both schemes at once: nothing ahead.
        ("registry.internal:5000", ("registry.internal:5000",), None),
    ],
)
def test_first_origin(
    authority: str, insecure: tuple[str, ...], origin: tuple[str, str, int] | None
) -> None:
    assert first_origin(authority, insecure) == origin


@pytest.mark.parametrize(
    ("challenges", "origins"),
    [
        ((Challenge("bearer", {"realm": "https://auth.example/token"}),), [("auth.example", 443)]),
        (
            (Challenge("bearer", {"realm": "https://auth.example:8443/t"}),),
            [("auth.example", 8443)],
        ),
        ((Challenge("bearer", {"realm": "http://127.0.0.1:9000/token"}),), [("127.0.0.1", 9000)]),
        # A plain-HTTP realm elsewhere is refused before use: not connected to either.
        ((Challenge("bearer", {"realm": "http://auth.example/token"}),), []),
        ((Challenge("basic", {"realm": "https://auth.example/"}),), []),
        ((Challenge("bearer", {"realm": "https://auth.example:99999/"}),), []),
        ((Challenge("bearer", {"realm": "not a url"}),), []),
        ((), []),
    ],
)
def test_token_origins(challenges: tuple[Challenge, ...], origins: list[tuple[str, int]]) -> None:
    assert token_origins(challenges) == origins


@pytest.mark.parametrize(
    ("case", "connections"),
    [("cold", 2), ("tag cached", 0), ("own client", 0), ("digest only", 0)],
)
def test_connect_ahead(tmp_path: Path, case: str, connections: int) -> None:
    """Cold: the registry and its remembered token server (both on this server's port,
    so two connections); nothing when the tag is cached, when a test's client factory is
    in use, or for a reference by digest (nothing to ask before its pin is checked)."""

    async def main() -> int:
        accepted = 0

        async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal accepted
            accepted += 1
            await reader.read()
            writer.close()

        server = await asyncio.start_server(count, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        cache = Cache(tmp_path, ttl=600)
        authority = f"127.0.0.1:{port}"
        realm = f"http://localhost:{port}/token"
        cache.put_challenges(authority, (Challenge("bearer", {"realm": realm}),))
        if case == "tag cached":
            cache.put_tag(f"{authority}/app", "1.0", TagFacts(DIGEST, "m"))
        cache.flush()
        text = f"{authority}/app@{DIGEST}" if case == "digest only" else f"{authority}/app:1.0"
        options = RegistryOptions(cache_dir=tmp_path)
        factory = (lambda stats: None) if case == "own client" else None
        resolver = Answers(options, RunStats(), factory)  # type: ignore[arg-type]
        resolver.connect_ahead([parse(text)])
        for _ in range(100):
            await asyncio.sleep(0.01)
            if accepted >= connections and _ > 10:
                break
        await resolver.aclose()
        server.close()
        return accepted

    assert asyncio.run(asyncio.wait_for(main(), 10)) == connections
