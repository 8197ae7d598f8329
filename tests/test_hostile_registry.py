"""Hostile registries: every misbehaviour ends in a clear error after a bounded number of
requests, never in a pin.

Most exchanges run against tests/hostile_server.py, a registry on a real loopback
socket that lies, stalls, floods and redirects on purpose; the size cap is also
checked in-process with httpx.MockTransport. The protocol-level cases that
tests/test_registry_client.py already covers with a FakeRegistry (digest header
checks, redirect loops, realm validation, 429 with Retry-After, the deadline) are
not repeated here.

No test here reads the clock: "bounded" is measured in requests the server saw and in
the deadline's message; a hang is pytest-timeout's to catch, and speed is benchmarks/'.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile_server import IMAGE, PASSWORD, USERNAME, HostileRegistry
from registry_server import resolve_offline

from linter import registry
from linter.cli import main
from linter.model import ErrorKind, Resolution
from linter.reference import Reference, parse
from linter.registry import RegistryOptions, RunStats
from linter.registry.api.client import ClientSettings, RegistryClient
from linter.registry.auth.credentials import CredentialStore
from linter.registry.auth.flow import check_realm
from linter.registry.errors import RegistryError
from linter.registry.http.limits import MAX_BODY
from linter.registry.http.retry import RetryPolicy
from linter.registry.resolution.resolver import resolve_references

#: Quick retries, so a table row costs seconds, not the production minutes.
FAST = RetryPolicy(attempts=2, base=0.01, cap=0.02, retry_after_cap=0.05)


def resolve(
    refs: list[str],
    *,
    timeout: float = 0.5,
    deadline: float = 20.0,
    retry: RetryPolicy = FAST,
    environ: dict[str, str] | None = None,
) -> tuple[dict[str, Resolution], RunStats]:
    """Resolve over real sockets with the machine's credentials and proxies out of the way."""
    settings = ClientSettings(timeout=timeout, deadline=deadline, retry=retry)
    store = CredentialStore(environ or {"HOME": "/nonexistent", "XDG_RUNTIME_DIR": "/nonexistent"})
    stats = RunStats()
    options = RegistryOptions(timeout=timeout, deadline=deadline)
    answers = asyncio.run(
        resolve_references(
            [parse(ref) for ref in refs],
            options,
            stats,
            lambda s: RegistryClient(settings, s, credentials=store),
        )
    )
    return {ref: answers[parse(ref)] for ref in refs}, stats


def failure(resolution: Resolution) -> tuple[ErrorKind, str]:
    assert resolution.digest is None, "a hostile registry produced a pin"
    assert resolution.error is not None
    return resolution.error.kind, resolution.error.message


def test_the_server_can_also_behave(hostile: HostileRegistry) -> None:
    answers, _ = resolve([hostile.ref("ok")])
    assert answers[hostile.ref("ok")].digest == IMAGE.digest


@pytest.mark.parametrize(
    ("behaviour", "kind", "words", "exchanges"),
    [
        ("lying-digest", ErrorKind.INVALID, "disagrees with the manifest body", 2),
        ("huge", ErrorKind.INVALID, "larger than 4 MiB; refused", 2),
        ("huge-chunked", ErrorKind.INVALID, "larger than 4 MiB; refused", 2),
        ("gzip-bomb", ErrorKind.INVALID, "compressed (Content-Encoding: gzip)", 2),
        # Exchanges: requests a resolution makes without retries (HEAD, then GET or a token;
        # a redirect loop is 21 requests, as httpx follows 20 redirects).
        # A byte every 50 ms never trips a per-read timeout: the exchange's own limit does.
        ("slow-headers", ErrorKind.UNREACHABLE, "timed out (ReadTimeout)", 1),
        ("slow-body", ErrorKind.UNREACHABLE, "timed out (ReadTimeout)", 2),
        ("silent", ErrorKind.UNREACHABLE, "timed out (ReadTimeout)", 1),
        ("reset", ErrorKind.UNREACHABLE, "(after 2 attempts)", 1),
        ("redirect-loop", ErrorKind.INVALID, "Exceeded maximum allowed redirects", 21),
        ("redirect-chain", ErrorKind.INVALID, "Exceeded maximum allowed redirects", 21),
        ("bad-json", ErrorKind.INVALID, "manifest is not JSON", 2),
        ("wrong-type", ErrorKind.INVALID, "unsupported manifest media type", 2),
        ("rate-limited", ErrorKind.UNREACHABLE, "HTTP 429", 1),
        ("server-error", ErrorKind.UNREACHABLE, "HTTP 500", 1),
        ("token-garbage", ErrorKind.AUTH, "token response is not JSON", 2),
        ("token-huge", ErrorKind.INVALID, "larger than 4 MiB; refused", 2),
        ("token-slow", ErrorKind.UNREACHABLE, "timed out (ReadTimeout)", 2),
        ("realm-link-local", ErrorKind.AUTH, "refusing token realm http://169.254.169.254/", 1),
        ("realm-link-local-https", ErrorKind.AUTH, "a link-local address", 1),
        ("realm-decimal", ErrorKind.AUTH, "a link-local address", 1),
        ("realm-public-http", ErrorKind.AUTH, "must be https on a public host", 1),
    ],
)
def test_misbehaviour_is_a_clear_error(
    hostile: HostileRegistry, behaviour: str, kind: ErrorKind, words: str, exchanges: int
) -> None:
    ref = hostile.ref(behaviour)
    before = len(hostile.requests_to(behaviour))
    answers, _ = resolve([ref])
    got_kind, message = failure(answers[ref])
    assert (got_kind, words in message) == (kind, True), message
    # Bounded: each exchange is tried at most FAST.attempts times, plus the first one's probe
    # over plain HTTP (tests/hostile_server.py records no TLS attempt). A timeout that trips
    # on a busy machine costs an attempt, never more than that.
    sent = len(hostile.requests_to(behaviour)) - before
    assert 1 <= sent <= exchanges * (1 + FAST.attempts), sent


@pytest.mark.parametrize("behaviour", ["huge", "huge-chunked", "token-huge"])
def test_a_huge_body_is_not_read_to_the_end(hostile: HostileRegistry, behaviour: str) -> None:
    resolve([hostile.ref(behaviour)])
    # The kernel buffers some megabytes on loopback: far from the 100 MB the server has.
    assert hostile.sent[behaviour] < 8 * MAX_BODY


def test_redirect_loops_are_cut_short(hostile: HostileRegistry) -> None:
    resolve([hostile.ref("redirect-chain")])
    # httpx follows 20 redirects; each of the (2) attempts is one HEAD chain.
    assert len(hostile.requests_to("redirect-chain")) <= 2 * 21


def test_redirect_to_another_host_drops_the_credentials(hostile: HostileRegistry) -> None:
    auths = {hostile.host: {"username": USERNAME, "password": PASSWORD}}
    environ = {"HOME": "/nonexistent", "DOCKER_AUTH_CONFIG": json.dumps({"auths": auths})}
    ref = hostile.ref("redirect-away")
    answers, _ = resolve([ref], environ=environ)
    # The HEAD has no digest: the GET follows the redirect, and the body is hashed.
    assert answers[ref].digest == IMAGE.digest
    away = [seen for seen in hostile.seen if seen.path.startswith("/elsewhere/")]
    assert away and all("authorization" not in seen.headers for seen in away)
    assert all(seen.headers["host"].startswith("localhost:") for seen in away)


def test_slow_loris_is_bounded_by_the_run_deadline_with_production_timeouts(
    hostile: HostileRegistry,
) -> None:
    ref = hostile.ref("slow-body")
    before = len(hostile.requests_to("slow-body"))
    answers, stats = resolve([ref], timeout=10.0, deadline=1.5, retry=RetryPolicy())
    kind, message = failure(answers[ref])
    assert kind is ErrorKind.UNREACHABLE
    assert message == "no answer within the run's deadline of 1.5s"
    # No retry: the next attempt would have come after the 10 s read timeout, past the deadline.
    assert len(hostile.requests_to("slow-body")) - before <= 2
    assert hostile.host in stats.registries_failed


def test_a_429_storm_ends_at_the_deadline(hostile: HostileRegistry) -> None:
    """Thirty references, a registry that always says 429 and Retry-After: 1, production retries."""
    refs = [hostile.ref("rate-limited", f"v{index}") for index in range(30)]
    before = len(hostile.requests_to("rate-limited"))
    answers, _ = resolve(refs, timeout=5.0, deadline=3.0, retry=RetryPolicy())
    for ref in refs:
        kind, message = failure(answers[ref])
        assert kind is ErrorKind.UNREACHABLE
        # "HTTP 429; no time left to retry before the deadline", or, on a machine too busy to
        # send the first attempt in time, "no answer within the run's deadline of 3.0s".
        assert "deadline" in message, message
    # Bounded retries: at most four attempts per reference.
    assert len(hostile.requests_to("rate-limited")) - before <= 4 * len(refs)


@pytest.mark.parametrize(
    ("realm", "authority", "insecure", "allowed"),
    [
        # The resolver reads old IPv4 spellings and IPv4-mapped IPv6 as the address they name.
        ("https://2852039166/token", "ghcr.io", (), False),
        ("https://0xa9fea9fe/token", "ghcr.io", (), False),
        ("https://169.254.43518/token", "ghcr.io", (), False),
        ("https://[::ffff:169.254.169.254]/token", "ghcr.io", (), False),
        ("https://0x7f000001/token", "ghcr.io", (), False),
        ("https://[::ffff:10.0.0.1]/token", "ghcr.io", (), False),
        ("https://[fe80::1%25eth0]/token", "ghcr.io", (), False),
        # Link-local: refused even for loopback and private registries ...
        ("https://169.254.169.254/token", "127.0.0.1:5000", (), False),
        ("https://169.254.169.254/token", "10.0.0.4:5000", (), False),
        ("http://169.254.169.254/token", "127.0.0.1:5000", (), False),
        # ... unless the registry is explicitly listed insecure.
        ("https://169.254.169.254/token", "10.0.0.4:5000", ("10.0.0.4:5000",), True),
        ("https://auth.example/token", "ghcr.io", (), True),
    ],
)
def test_realms_that_name_internal_addresses(
    realm: str, authority: str, insecure: tuple[str, ...], allowed: bool
) -> None:
    if allowed:
        check_realm(realm, authority, insecure)
        return
    with pytest.raises(RegistryError) as caught:
        check_realm(realm, authority, insecure)
    assert caught.value.kind is ErrorKind.AUTH
    assert "refusing token realm" in caught.value.message


# --- the size cap, in-process ------------------------------------------------------------------


class Endless(httpx.AsyncByteStream):
    """A body that never ends; counts what was taken from it."""

    def __init__(self) -> None:
        self.taken = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.taken += 65536
            yield b"\0" * 65536


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_endless_body_stops_at_the_cap(method: str) -> None:
    bodies: list[Endless] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD" and method == "GET":
            return httpx.Response(405)  # no HEAD support: the GET is where the body comes
        bodies.append(Endless())
        return httpx.Response(200, stream=bodies[-1], headers={"Content-Type": "x"})

    ref = "registry.example/app:1"
    answers, _ = resolve_offline([ref], handler)
    kind, message = failure(answers[ref])
    assert kind is ErrorKind.INVALID
    assert "larger than 4 MiB; refused" in message
    assert bodies and all(body.taken <= MAX_BODY + 65536 for body in bodies)


def test_identity_is_asked_for() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404)

    resolve_offline(["registry.example/app:1"], handler)
    assert seen and {r.headers["accept-encoding"] for r in seen} == {"identity"}


# --- end to end: check and fix against the hostile registry ------------------------------------

E2E = ["huge", "gzip-bomb", "slow-body", "lying-digest", "redirect-loop", "token-garbage"]


def test_check_and_fix_report_every_image_and_write_nothing(
    hostile: HostileRegistry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    images = [hostile.ref(behaviour) for behaviour in E2E]
    containers = "".join(f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images))
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n{containers}")
    before = manifest.read_bytes()
    original = registry.resolve_with_stats

    def quick(
        refs: Iterable[Reference], options: RegistryOptions, on_answer: Any = None
    ) -> tuple[Any, RunStats]:
        return original(refs, options._replace(timeout=0.5, deadline=20.0), on_answer)

    monkeypatch.setattr(registry, "resolve_with_stats", quick)
    monkeypatch.chdir(tmp_path)
    for command in ("check", "fix"):
        code = main([command, "--no-cache", "--format", "json", "pod.yaml"])
        assert code == 1
        document = json.loads(capsys.readouterr().out)
        unreachable = {f["image"]: f for f in document["findings"] if f["rule"] == "IMG011"}
        assert sorted(unreachable) == sorted(images)
        assert all(f["suggestion"] is None for f in document["findings"])
        assert manifest.read_bytes() == before
