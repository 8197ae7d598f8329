"""A run's first request, sent before asyncio and httpx load (linter/registry/resolution/ahead.py,
linter/registry/http/ahead.py).

When the client's first request would be the bare HEAD of a tag over plain HTTP, a
thread sends it at once; the HTTP/1.1 pool adopts the connection and reads the answer
from it, so the server sees one request, as without the thread. These tests check when
it is sent (and when not), that it leaves without loading asyncio, httpx or ssl, that
a 401's token server is connected to ahead too, and, against the real registry, that a
run costs the requests it cost before.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RegistryEnv
from registry_server import Image, Registry

from linter.reference import parse
from linter.registry import RegistryOptions, resolve_with_stats
from linter.registry.api.manifests import ACCEPT
from linter.registry.auth.challenge import Challenge
from linter.registry.cache.store import Cache, TagFacts
from linter.registry.http import ahead as http_ahead
from linter.registry.resolution.ahead import _challenged, send_first

DIGEST = "sha256:" + "c" * 64


class Listener:
    """A loopback port that accepts, records what each connection sends first and answers
    it with ``answer``."""

    def __init__(self, answer: bytes = b"") -> None:
        self.answer = answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.accepted = threading.Semaphore(0)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.received.append(data)
                if self.answer:
                    conn.sendall(self.answer)
                self.accepted.release()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    served = Listener()
    yield served
    served.close()


@pytest.mark.parametrize(
    ("case", "sent"),
    [
        ("cold", True),
        ("tag cached", False),
        ("challenge remembered", False),
        ("digest only", False),
        ("https host", False),
        ("insecure host elsewhere", False),
    ],
)
def test_the_head_is_sent_ahead_only_when_it_is_the_clients_first_request(
    tmp_path: Path, listener: Listener, case: str, sent: bool
) -> None:
    authority = f"127.0.0.1:{listener.port}"
    cache = Cache(tmp_path, ttl=600)
    if case == "tag cached":
        cache.put_tag(f"{authority}/app", "1.0", TagFacts(DIGEST, "m"))
    if case == "challenge remembered":
        realm = f"http://127.0.0.1:{listener.port}/token"
        cache.put_challenges(authority, (Challenge("bearer", {"realm": realm}),))
    text = {
        "digest only": f"{authority}/app@{DIGEST}",
        "https host": "registry.example/app:1.0",
        "insecure host elsewhere": "registry.internal:5000/app:1.0",
    }.get(case, f"{authority}/app:1.0")
    options = RegistryOptions(cache_dir=tmp_path, insecure=("registry.internal:5000",))
    ahead = send_first(parse(text), options, cache)
    assert (ahead is not None) == sent
    if ahead is None:
        return
    assert listener.accepted.acquire(timeout=10)
    # Framed as the HTTP/1.1 pool frames the client's bare HEAD.
    assert listener.received == [
        f"HEAD /v2/app/manifests/1.0 HTTP/1.1\r\nHost: {authority}\r\nAccept: {ACCEPT}\r\n"
        "Accept-Encoding: identity\r\n\r\n".encode()
    ]
    ahead.close()


@pytest.mark.parametrize(
    ("head", "origins"),
    [
        (
            b'HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm="http://127.0.0.1:9/t"'
            b',service="s"\r\nContent-Length: 0\r\n\r\n',
            [("127.0.0.1", 9)],
        ),
        (
            b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="https://auth.example/t"'
            b"\r\n\r\n",
            [("auth.example", 443)],
        ),
        # A plain-HTTP realm elsewhere is refused before use: not connected to either.
        (b'HTTP/1.1 401 X\r\nWWW-Authenticate: Bearer realm="http://auth.example/t"\r\n\r\n', []),
        (b'HTTP/1.1 401 X\r\nWWW-Authenticate: Basic realm="registry"\r\n\r\n', []),
        (b"HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:x\r\n\r\n", ()),
        (b"HTTP/1.1 401 X\r\n\r\n", []),
        (b"", ()),
        (b"\xff\xfe garbage", ()),
    ],
)
def test_the_token_server_of_a_401_is_opened_ahead(head: bytes, origins: object) -> None:
    assert _challenged(head) == origins


FIRST_REQUEST = """\
import json, pathlib, sys, time
from linter.reference import parse
from linter.registry import RegistryOptions
from linter.registry.resolution.ahead import send_first

options = RegistryOptions(cache_dir=pathlib.Path({cache!r}))
sent = send_first(parse("127.0.0.1:{registry}/app:1.0"), options, None)
while not sent.answered.is_set():
    time.sleep(0.01)
while ("127.0.0.1", {token}) not in sent.openings:
    time.sleep(0.01)
opening = sent.openings["127.0.0.1", {token}]
while not opening.ready.is_set():
    time.sleep(0.01)
loaded = sorted(m for m in ("asyncio", "httpx", "httpcore", "h11", "ssl") if m in sys.modules)
print(json.dumps([loaded, sent.received.decode(), opening.sock is not None]))
"""


def test_the_request_leaves_before_asyncio_httpx_or_ssl_load(tmp_path: Path) -> None:
    """In a fresh interpreter: the HEAD is sent, its 401 read, and a connection to the
    token server it names opened, with none of asyncio, httpx or ssl loaded."""
    token = Listener()
    registry = Listener(
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nWWW-Authenticate: Bearer "
        b'realm="http://127.0.0.1:%d/token",service="s"\r\n\r\n' % token.port
    )
    script = FIRST_REQUEST.format(cache=str(tmp_path), registry=registry.port, token=token.port)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
        )
        loaded, received, opened = json.loads(done.stdout)
        assert loaded == []
        assert received.startswith("HTTP/1.1 401 Unauthorized\r\n")
        assert opened
        assert len(registry.received) == 1
    finally:
        registry.close()
        token.close()


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each claim of a request sent ahead answered (the pool asks for each request
    without credentials: the token request's too)."""
    seen: list[bool] = []
    claim = http_ahead.SentAhead.claim

    def spy(self: http_ahead.SentAhead, *args: object) -> bool:
        seen.append(claim(self, *args))  # type: ignore[arg-type]
        return seen[-1]

    monkeypatch.setattr(http_ahead.SentAhead, "claim", spy)
    return seen


@pytest.mark.parametrize("kind", ["token", "plain"])
def test_a_run_costs_the_requests_it_cost_before(
    registry_env: RegistryEnv,
    token_registry: Registry,
    plain_registry: Registry,
    registry_catalog: dict[str, Image],
    claims: list[bool],
    kind: str,
) -> None:
    """The real registry: the HEAD sent ahead is the run's first request, adopted by the
    pool. With tokens: it is refused, one token request, one HEAD with the token (two
    manifest requests, as before). Without auth: its answer is the answer (one)."""
    registry = token_registry if kind == "token" else plain_registry
    mark = registry.mark()
    tokens = registry.token_server.mark() if registry.token_server is not None else 0
    ref = parse(registry.ref("app/oci", "1.0"))
    options = RegistryOptions(cache_dir=registry_env.cache)
    answers, stats = resolve_with_stats([ref], options)
    assert answers[ref].digest == registry_catalog["app/oci:1.0"].digest
    assert stats.registries_failed == {}
    assert claims[0] and True not in claims[1:]  # the first request, adopted once
    manifests = [(r.method, r.status) for r in registry.requests(mark) if r.is_manifest]
    if kind == "token":
        assert registry.token_server is not None
        assert manifests == [("HEAD", 401), ("HEAD", 200)]
        assert len(registry.token_server.requests_since(tokens)) == 1
    else:
        assert manifests == [("HEAD", 200)]


@pytest.mark.parametrize("when", ["after the thread is done", "while it runs"])
def test_what_the_pool_never_took_is_closed(tmp_path: Path, when: str) -> None:
    """A run over before the pool adopted the request (or the token server's connection):
    both sockets are closed, whether the thread was done by then or finished later."""
    token = Listener()
    registry = Listener(
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nWWW-Authenticate: Bearer "
        b'realm="http://127.0.0.1:%d/token"\r\n\r\n' % token.port
    )
    origin = ("127.0.0.1", token.port)
    try:
        ahead = send_first(parse(f"127.0.0.1:{registry.port}/app:1.0"), RegistryOptions(), None)
        assert ahead is not None
        if when == "while it runs":
            ahead.close()
        while not ahead.answered.is_set():
            time.sleep(0.01)
        if when == "after the thread is done":
            while origin not in ahead.openings or not ahead.openings[origin].ready.is_set():
                time.sleep(0.01)
            opening = ahead.openings[origin]
            assert opening.sock is not None
            ahead.close()
            assert opening.sock.fileno() == -1
        assert ahead.sock is None
        assert ahead.opening(origin) is None
    finally:
        registry.close()
        token.close()
