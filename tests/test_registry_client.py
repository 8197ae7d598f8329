"""The HTTP exchanges of docs/registry-protocol.md §8, injected with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import httpx
import pytest
from registry_server import (
    OCI_MANIFEST,
    PASSWORD,
    REFRESH_TOKEN,
    USERNAME,
    FakeRegistry,
    build_image,
    multi_platform,
    plain_http_only,
    resolve_offline,
    tls_only,
)

from linter.model import ErrorKind, Resolution
from linter.registry import RegistryOptions
from linter.registry.http import retry
from linter.registry.http.retry import RetryPolicy

HOST = "registry.example"
REF = f"{HOST}/app/single:1.0"
SINGLE = build_image("single")
MULTI = multi_platform("multi")


class RecordingPolicy(RetryPolicy):
    """Retries at once, remembering the delays the client asked for."""

    asked: list[tuple[int, float | None]]

    def __new__(cls, attempts: int = 4) -> RecordingPolicy:
        policy = super().__new__(cls, attempts)
        policy.asked = []
        return policy

    def delay(self, attempt: int, retry_after: float | None) -> float:
        self.asked.append((attempt, retry_after))
        return 0.0


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    registry.push("app/single", "1.0", SINGLE)
    registry.push("app/multi", "1.0", MULTI)
    registry.push("private/app", "1.0", SINGLE)
    return registry


def answer_once(
    fake: FakeRegistry,
    make: Callable[[httpx.Request], httpx.Response],
    *,
    method: str | None = None,
    times: int = 1,
) -> None:
    """Answer the next ``times`` registry requests (after auth) with ``make(request)``."""
    left = [times]

    def hook(request: httpx.Request) -> httpx.Response | None:
        authorized = "authorization" in request.headers or fake.auth is None
        if left[0] and request.url.host == HOST and authorized and method in (None, request.method):
            left[0] -= 1
            return make(request)
        return None

    fake.hooks.append(hook)


def error_of(answers: dict[str, Resolution], ref: str = REF) -> tuple[ErrorKind, str, str]:
    error = answers[ref].error
    assert error is not None
    return error.kind, error.registry, error.message


# --- digests: HEAD, GET fallback, verification ----------------------------------------------


@pytest.mark.parametrize(
    ("head_headers", "gets"),
    [
        # A HEAD with a digest is the answer.
        ({"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": SINGLE.digest}, 0),
        # Parameters on Content-Type are ignored.
        (
            {
                "Content-Type": f"{OCI_MANIFEST}; charset=utf-8",
                "Docker-Content-Digest": SINGLE.digest,
            },
            0,
        ),
        # No digest header (Red Hat, Artifactory, Nexus…): GET and hash the body.
        ({"Content-Type": OCI_MANIFEST}, 1),
        # A mangled one (Nexus rewrote ':' to '-'), or an ETag where the digest should be.
        (
            {
                "Content-Type": OCI_MANIFEST,
                "Docker-Content-Digest": SINGLE.digest.replace(":", "-"),
            },
            1,
        ),
        ({"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": 'W/"1234"'}, 1),
        # No usable Content-Type (Artifactory, Harbor): GET.
        ({"Content-Type": "application/octet-stream", "Docker-Content-Digest": SINGLE.digest}, 1),
        ({"Docker-Content-Digest": SINGLE.digest}, 1),
    ],
)
def test_head_then_get_fallback(
    fake: FakeRegistry, head_headers: dict[str, str], gets: int
) -> None:
    answer_once(fake, lambda r: httpx.Response(200, headers=head_headers), method="HEAD")
    answers, _ = resolve_offline([REF], fake)
    assert (answers[REF].digest, answers[REF].media_type) == (SINGLE.digest, OCI_MANIFEST)
    assert len([p for p in fake.paths("GET") if "/manifests/" in p]) == gets


def test_a_cookie_a_registry_sets_is_never_sent_back(fake: FakeRegistry) -> None:
    """The API is stateless: nothing an answer sets rides on a later request, not even on
    the request a redirect makes (httpx's jar would send it there)."""
    moved = f"https://{HOST}/v2/app/single/manifests/moved"

    def redirect(request: httpx.Request) -> httpx.Response | None:
        if request.method == "HEAD" and request.url.path.endswith("/1.0"):
            return httpx.Response(307, headers={"Location": moved, "Set-Cookie": "s=1; Path=/"})
        if str(request.url) == moved:
            headers = {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": SINGLE.digest}
            return httpx.Response(200, headers=headers)
        return None

    fake.hooks.append(redirect)
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest
    assert [str(r.url) for r in fake.requests][-1] == moved
    assert [r.headers.get("cookie") for r in fake.requests] == [None] * len(fake.requests)


@pytest.mark.parametrize("status", [405, 400, 501])
def test_registries_without_head_get_instead(fake: FakeRegistry, status: int) -> None:
    answer_once(fake, lambda r: httpx.Response(status), method="HEAD")
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest


def test_get_body_without_media_type_header(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: httpx.Response(200), method="HEAD")
    answer_once(fake, lambda r: httpx.Response(200, content=SINGLE.manifest), method="GET")
    answers, _ = resolve_offline([REF], fake)
    assert (answers[REF].digest, answers[REF].media_type) == (SINGLE.digest, OCI_MANIFEST)


SCHEMA1_BODY = json.dumps(
    {"schemaVersion": 1, "name": "app/single", "tag": "1.0", "fsLayers": [], "signatures": [{}]}
).encode()


@pytest.mark.parametrize(
    ("head", "get"),
    [
        # HEAD says schema 1: refused without a GET.
        (
            httpx.Response(
                200,
                headers={
                    "Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws",
                    "Docker-Content-Digest": "sha256:" + "1" * 64,
                },
            ),
            None,
        ),
        # The body is schema 1; its digest covers the payload, not the body (so they disagree).
        (
            httpx.Response(200),
            httpx.Response(
                200,
                content=SCHEMA1_BODY,
                headers={
                    "Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"
                },
            ),
        ),
        (
            httpx.Response(200),
            httpx.Response(
                200,
                content=SCHEMA1_BODY,
                headers={
                    "Content-Type": "application/json",
                    "Docker-Content-Digest": "sha256:" + "1" * 64,
                },
            ),
        ),
    ],
)
def test_schema1_is_refused(
    fake: FakeRegistry, head: httpx.Response, get: httpx.Response | None
) -> None:
    answer_once(fake, lambda r: head, method="HEAD")
    if get is not None:
        answer_once(fake, lambda r: get, method="GET")
    answers, _ = resolve_offline([REF], fake)
    kind, _, message = error_of(answers)
    assert kind is ErrorKind.INVALID
    assert "schema 1" in message or "disagrees" in message
    assert answers[REF].digest is None


def test_get_header_agreeing_with_the_body_is_fine(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: httpx.Response(200), method="HEAD")
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest


def test_sha512_header_is_checked_with_sha512(fake: FakeRegistry) -> None:
    import hashlib

    sha512 = "sha512:" + hashlib.sha512(SINGLE.manifest).hexdigest()
    answer_once(fake, lambda r: httpx.Response(200), method="HEAD")
    answer_once(
        fake,
        lambda r: httpx.Response(
            200,
            content=SINGLE.manifest,
            headers={"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": sha512},
        ),
        method="GET",
    )
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == sha512


# --- not found, denied ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "words"),
    [
        (httpx.Response(404), ErrorKind.NOT_FOUND, "app/single:1.0 not found"),
        (
            httpx.Response(
                404,
                json={"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]},
            ),
            ErrorKind.NOT_FOUND,
            "NAME_UNKNOWN: repository name not known",
        ),
        # Harbor proxy projects say NOT_FOUND; Red Hat says UNKNOWN "Not Found" with a 404.
        (
            httpx.Response(
                404, json={"errors": [{"code": "NOT_FOUND", "message": "artifact not found"}]}
            ),
            ErrorKind.NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            httpx.Response(404, json={"errors": [{"code": "UNKNOWN", "message": "Not Found"}]}),
            ErrorKind.NOT_FOUND,
            "not found",
        ),
        (
            httpx.Response(403, json={"errors": [{"code": "DENIED", "message": "no"}]}),
            ErrorKind.AUTH,
            "denied",
        ),
        (httpx.Response(418), ErrorKind.INVALID, "unexpected HTTP 418"),
    ],
)
def test_error_answers(
    fake: FakeRegistry, response: httpx.Response, kind: ErrorKind, words: str
) -> None:
    answer_once(fake, lambda r: httpx.Response(405), method="HEAD")  # so the GET carries a body
    answer_once(fake, lambda r: response, method="GET")
    answers, stats = resolve_offline([REF], fake)
    got_kind, registry, message = error_of(answers)
    assert (got_kind, registry) == (kind, HOST)
    assert words in message
    assert (HOST in stats.registries_failed) is (kind is ErrorKind.AUTH)


def test_head_404_is_authoritative(fake: FakeRegistry) -> None:
    answers, _ = resolve_offline([f"{HOST}/app/single:2.0"], fake)
    assert error_of(answers, f"{HOST}/app/single:2.0")[0] is ErrorKind.NOT_FOUND
    assert not [p for p in fake.paths("GET") if "/manifests/" in p]


def test_anonymous_hub_401_for_a_private_or_missing_repository(fake: FakeRegistry) -> None:
    answers, stats = resolve_offline([f"{HOST}/private/app:1.0"], fake)
    kind, registry, message = error_of(answers, f"{HOST}/private/app:1.0")
    assert (kind, registry) == (ErrorKind.AUTH, HOST)
    assert "unauthorized (HTTP 401)" in message
    assert stats.registries_failed == {HOST: message}


# --- retries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "retry_after"),
    [
        (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
        (httpx.Response(429, headers={"Retry-After": formatdate(usegmt=True)}), 0.0),
        (httpx.Response(429), None),
        (httpx.Response(503), None),
        (httpx.Response(502, headers={"Retry-After": "2"}), 2.0),
    ],
)
def test_retried_answers(
    fake: FakeRegistry, response: httpx.Response, retry_after: float | None
) -> None:
    answer_once(fake, lambda r: response, times=2)
    policy = RecordingPolicy(attempts=4)
    answers, stats = resolve_offline([REF], fake, retry=policy)
    assert answers[REF].digest == SINGLE.digest
    assert [attempt for attempt, _ in policy.asked] == [0, 1]
    # An HTTP-date in the past (formatted when the table was built) is no wait at all.
    assert policy.asked[0][1] == retry_after
    assert stats.registries_failed == {}


class StoppedWallClock:
    """The ``time`` module, with its wall clock stopped at ``now`` (monotonic still runs)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_http_date_in_the_future(fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_700_000_000.0
    monkeypatch.setattr(retry, "time", StoppedWallClock(now))
    date = formatdate(now + 30, usegmt=True)
    answer_once(fake, lambda r: httpx.Response(429, headers={"Retry-After": date}))
    policy = RecordingPolicy()
    resolve_offline([REF], fake, retry=policy)
    assert policy.asked[0][1] == 30


def test_rate_limited_to_the_end(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: httpx.Response(429), times=100)
    answers, stats = resolve_offline([REF], fake, retry=RecordingPolicy(attempts=3))
    kind, _, message = error_of(answers)
    assert (kind, message) == (ErrorKind.UNREACHABLE, "HTTP 429 for app/single:1.0")
    assert HOST in stats.registries_failed


@pytest.mark.parametrize(
    ("error", "words", "attempts"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "Connection refused", 3),
        # A timeout is not retried: a server silent once keeps a run waiting as long again.
        (httpx.ReadTimeout("read timed out"), "timed out (ReadTimeout)", 1),
        (httpx.ConnectTimeout("connect timed out"), "timed out (ConnectTimeout)", 1),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "disconnected",
            3,
        ),
    ],
)
def test_unreachable_registry_is_given_up_once(
    error: httpx.TransportError, words: str, attempts: int
) -> None:
    calls = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error

    refs = [f"{HOST}/app/a:1", f"{HOST}/app/b:1", f"{HOST}/app/c:1"]
    answers, stats = resolve_offline(refs, down, retry=RecordingPolicy(attempts=3))
    for ref in refs:
        kind, registry, message = error_of(answers, ref)
        assert (kind, registry) == (ErrorKind.UNREACHABLE, HOST)
        assert words in message
        assert ("after 3 attempts" in message) == (attempts == 3), message
    # One set of retries for the host, not one per reference.
    assert len(calls) == attempts
    assert list(stats.registries_failed) == [HOST]


def _lookup_error(errno: int) -> httpx.ConnectError:
    error = httpx.ConnectError(f"[Errno {errno}] lookup failed")
    error.__cause__ = socket.gaierror(errno, "lookup failed")
    return error


@pytest.mark.parametrize(
    ("errno", "attempts"),
    [
        (socket.EAI_NONAME, 1),  # the name does not exist: asking again changes nothing
        (socket.EAI_AGAIN, 3),  # the DNS server did not answer in time: retried
    ],
)
def test_name_lookup_failures(errno: int, attempts: int) -> None:
    calls = []

    def unknown(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise _lookup_error(errno)

    answers, _ = resolve_offline([REF], unknown, retry=RecordingPolicy(attempts=3))
    assert error_of(answers)[0] is ErrorKind.UNREACHABLE
    assert len(calls) == attempts


def test_connection_error_then_success(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: (_ for _ in ()).throw(httpx.ConnectError("reset")))
    answers, _ = resolve_offline([REF], fake, retry=RecordingPolicy())
    assert answers[REF].digest == SINGLE.digest


def test_deadline_stops_a_hanging_registry() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("not reached")

    options = RegistryOptions(deadline=0.3)
    answers, stats = resolve_offline([REF, f"{HOST}/app/b:1"], hang, options)
    kind, _, message = error_of(answers)
    assert kind is ErrorKind.UNREACHABLE
    assert message == "no answer within the run's deadline of 0.3s"
    assert HOST in stats.registries_failed


def test_no_retry_sleeps_past_the_deadline(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: httpx.Response(429, headers={"Retry-After": "600"}), times=5)
    policy = RetryPolicy(attempts=3, retry_after_cap=600)
    answers, _ = resolve_offline([REF], fake, RegistryOptions(deadline=5), retry=policy)
    kind, _, message = error_of(answers)
    assert kind is ErrorKind.UNREACHABLE
    assert "no time left to retry before the deadline" in message


# --- plain HTTP and TLS ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "insecure", "scheme"),
    [
        ("127.0.0.1:5000", (), "http"),
        ("localhost:5000", (), "http"),
        ("[::1]:5000", (), "http"),
        ("lan.example:5000", ("lan.example:5000",), "http"),
        ("lan.example:5000", ("lan.example",), "http"),
        ("lan.example:5000", (), None),
    ],
)
def test_plain_http_only_where_allowed(
    host: str, insecure: tuple[str, ...], scheme: str | None
) -> None:
    fake = FakeRegistry(host, auth=None)
    fake.push("app", "1", SINGLE)
    ref = f"{host}/app:1"
    answers, _ = resolve_offline(
        [ref, f"{host}/app:1@{SINGLE.digest}"],
        plain_http_only(fake),
        RegistryOptions(insecure=insecure),
    )
    if scheme is None:
        kind, _, message = error_of(answers, ref)
        assert kind is ErrorKind.UNREACHABLE and "WRONG_VERSION_NUMBER" in message
        assert {r.url.scheme for r in fake.requests} == set()
    else:
        assert answers[ref].digest == SINGLE.digest
        assert [r.url.scheme for r in fake.requests] == ["http"]


@pytest.mark.parametrize("plain", ["400", "closed"])
def test_tls_registries_on_loopback_are_spoken_to_over_tls(plain: str) -> None:
    fake = FakeRegistry("127.0.0.1:5000", auth=None)
    fake.push("app", "1", SINGLE)
    answers, _ = resolve_offline(
        ["127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1@" + MULTI.digest], tls_only(fake, plain)
    )
    assert answers["127.0.0.1:5000/app:1"].digest == SINGLE.digest
    assert {r.url.scheme for r in fake.requests} == {"https"}


def test_insecure_plain_http_does_not_wait_for_a_slow_handshake() -> None:
    """Plain HTTP and TLS are tried at once on a host listed insecure: a plain registry
    answers at once even when the TLS attempt hangs (here until it is cancelled)."""
    host = "lan.example:5000"
    fake = FakeRegistry(host, auth="bearer")
    fake.push("app", "1", SINGLE)
    plain_handler = plain_http_only(fake)
    tls_attempts = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https" and request.url.host == "lan.example":
            tls_attempts.append(request.url.path)
            await asyncio.sleep(60)
            raise AssertionError("the TLS attempt should have been cancelled")
        return plain_handler(request) if request.url.host == "lan.example" else fake(request)

    refs = [f"{host}/app:1", f"{host}/app:2"]
    options = RegistryOptions(timeout=30, insecure=(host,))
    answers, _ = resolve_offline(refs, handler, options)
    assert answers[refs[0]].digest == SINGLE.digest
    assert error_of(answers, refs[1])[0] is ErrorKind.NOT_FOUND
    assert len(tls_attempts) == 1
    manifests = [r for r in fake.requests if "/manifests/" in r.url.path]
    # The bare first request (refused: it carries no credentials), then each tag with a token.
    assert "authorization" not in manifests[0].headers
    assert len(manifests) == 3
    assert {r.url.scheme for r in manifests} == {"http"}


def test_loopback_tries_plain_http_before_any_tls() -> None:
    """On loopback a round trip costs nothing and a TLS attempt a CA store and a handshake:
    a plain registry there never sees one."""
    fake = FakeRegistry("127.0.0.1:5000", auth="bearer")
    fake.push("app", "1", SINGLE)
    plain_handler = plain_http_only(fake)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":
            assert request.url.scheme == "http", "no TLS attempt on loopback"
            return plain_handler(request)
        return fake(request)

    answers, _ = resolve_offline(["127.0.0.1:5000/app:1"], handler)
    assert answers["127.0.0.1:5000/app:1"].digest == SINGLE.digest


# --- auth ------------------------------------------------------------------------------------


def docker_auths(host: str, **entry: str) -> dict[str, str]:
    return {
        "HOME": "/nonexistent",
        "XDG_RUNTIME_DIR": "/nonexistent",
        "DOCKER_AUTH_CONFIG": json.dumps({"auths": {host: entry}}),
    }


BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
WRONG = base64.b64encode(f"{USERNAME}:not-the-password".encode()).decode()


def test_basic_auth(fake: FakeRegistry) -> None:
    fake.auth = "basic"
    answers, stats = resolve_offline(
        [REF, f"{HOST}/app/multi:1.0"], fake, environ=docker_auths(HOST, auth=BASIC)
    )
    assert answers[REF].digest == SINGLE.digest
    assert answers[f"{HOST}/app/multi:1.0"].digest == MULTI.digest
    # One refused request teaches the scheme; Basic is then sent up front.
    assert [r.headers.get("authorization") is not None for r in fake.requests] == [
        False,
        True,
        True,
    ]
    assert stats.token_requests == 0


def test_basic_auth_wrong_password(fake: FakeRegistry) -> None:
    fake.auth = "basic"
    answers, stats = resolve_offline([REF], fake, environ=docker_auths(HOST, auth=WRONG))
    kind, registry, message = error_of(answers)
    assert (kind, registry) == (ErrorKind.AUTH, HOST)
    assert message.startswith(
        "unauthorized (HTTP 401) for app/single:1.0: the credentials from DOCKER_AUTH_CONFIG, "
        f"auths[{HOST!r}] were rejected"
    )
    assert "not-the-password" not in message and "not-the-password" not in str(stats)


def test_bearer_with_credentials(fake: FakeRegistry) -> None:
    text = f"{HOST}/private/app:1.0"
    answers, _ = resolve_offline([text], fake, environ=docker_auths(HOST, auth=BASIC))
    assert answers[text].digest == SINGLE.digest
    token_requests = [r for r in fake.requests if r.url.host == "auth.example"]
    assert [r.headers.get("authorization") for r in token_requests] == [f"Basic {BASIC}"]
    assert token_requests[0].url.params.get("account") == USERNAME


def test_token_server_refuses_wrong_password_once(fake: FakeRegistry) -> None:
    refs = [f"{HOST}/private/app:1.0", f"{HOST}/app/single:1.0", f"{HOST}/app/multi:1.0"]
    answers, stats = resolve_offline(refs, fake, environ=docker_auths(HOST, auth=WRONG))
    for ref in refs:
        kind, registry, message = error_of(answers, ref)
        assert (kind, registry) == (ErrorKind.AUTH, HOST)
        assert message == (
            f"the credentials from DOCKER_AUTH_CONFIG, auths[{HOST!r}] were rejected by token "
            "server https://auth.example/token (HTTP 401): bad"
        )
    assert len([r for r in fake.requests if r.url.host == "auth.example"]) == 1
    assert "not-the-password" not in repr(answers) + repr(stats)


def test_token_server_refuses_anonymous(fake: FakeRegistry) -> None:
    """GHCR answers 401 at the token endpoint for a package that is not public."""
    answer_once(
        fake,
        lambda r: httpx.Response(
            401, json={"errors": [{"code": "UNAUTHORIZED", "message": "private"}]}
        ),
    )

    def private_token(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "auth.example":
            return httpx.Response(
                401, json={"errors": [{"code": "UNAUTHORIZED", "message": "private"}]}
            )
        return None

    fake.hooks.insert(0, private_token)
    answers, _ = resolve_offline([REF], fake)
    kind, _, message = error_of(answers)
    assert kind is ErrorKind.AUTH
    assert message.startswith(f"no credentials for {HOST} (no credential file: looked for ")
    assert message.endswith(
        "): token server https://auth.example/token refused anonymous access (HTTP 401): private"
    )


def test_insufficient_scope_is_retried_once_with_the_scope_added(fake: FakeRegistry) -> None:
    header = (
        f'Bearer realm="{fake.realm}",service="{HOST}",'
        'scope="repository:app/base:pull",error="insufficient_scope"'
    )
    answer_once(fake, lambda r: httpx.Response(401, headers={"WWW-Authenticate": header}))
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest
    token_scopes = [
        r.url.params.get_list("scope") for r in fake.requests if r.url.host == "auth.example"
    ]
    # The newly required scope first: some token servers honour only the first.
    assert token_scopes == [
        ["repository:app/single:pull"],
        ["repository:app/base:pull", "repository:app/single:pull"],
    ]


@pytest.mark.parametrize(
    ("scope", "registry_requests", "token_requests"),
    [
        # A scope we did not ask for yet: one more token, one more try, then it stands.
        ("repository:app/base:pull", 3, 2),
        # The scope we already asked for: a new token would not have it either.
        ("repository:app/single:pull", 2, 1),
    ],
)
def test_insufficient_scope_is_retried_at_most_once(
    fake: FakeRegistry, scope: str, registry_requests: int, token_requests: int
) -> None:
    header = (
        f'Bearer realm="{fake.realm}",service="{HOST}",scope="{scope}",error="insufficient_scope"'
    )
    answer_once(fake, lambda r: httpx.Response(401, headers={"WWW-Authenticate": header}), times=10)
    answers, stats = resolve_offline([REF], fake)
    assert error_of(answers)[0] is ErrorKind.AUTH
    assert len([r for r in fake.requests if r.url.host == HOST]) == registry_requests
    assert stats.token_requests == token_requests


def test_expired_token_is_refreshed_once(fake: FakeRegistry) -> None:
    answer_once(fake, lambda r: fake.challenge("app/single"))
    answers, stats = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest
    assert stats.token_requests == 2


def test_challenge_without_header_uses_the_ping(fake: FakeRegistry) -> None:
    """GCR: a 401 without WWW-Authenticate on resources; /v2/ carries the challenge."""

    def bare_401(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.startswith("/v2/app/") and "authorization" not in request.headers:
            return httpx.Response(401)
        return None

    fake.hooks.append(bare_401)
    answers, _ = resolve_offline([REF], fake)
    assert answers[REF].digest == SINGLE.digest
    assert fake.paths()[:2] == [f"HEAD {HOST}/v2/app/single/manifests/1.0", f"GET {HOST}/v2/"]


def test_401_without_any_challenge(fake: FakeRegistry) -> None:
    fake.hooks.append(lambda request: httpx.Response(401))
    answers, _ = resolve_offline([REF], fake)
    assert error_of(answers)[0] is ErrorKind.AUTH
    # The ping did not help; the caller still gets its own request's answer.
    assert fake.paths() == [
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
        f"GET {HOST}/v2/",
        f"HEAD {HOST}/v2/app/single/manifests/1.0",
    ]


def test_registry_token_is_sent_as_is(fake: FakeRegistry) -> None:
    answers, stats = resolve_offline(
        [REF], fake, environ=docker_auths(HOST, registrytoken="tok:0:app/single")
    )
    assert answers[REF].digest == SINGLE.digest
    assert stats.token_requests == 0


@pytest.mark.parametrize(("post_status", "token_requests"), [(None, 1), (404, 2)])
def test_identity_token_uses_oauth_post(
    fake: FakeRegistry, post_status: int | None, token_requests: int
) -> None:
    if post_status is not None:
        fake.hooks.append(lambda r: httpx.Response(post_status) if r.method == "POST" else None)
    text = f"{HOST}/app/single:1.0"
    answers, stats = resolve_offline(
        [text], fake, environ=docker_auths(HOST, identitytoken=REFRESH_TOKEN)
    )
    assert answers[text].digest == SINGLE.digest
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 1
    form = dict(pair.split("=", 1) for pair in posts[0].content.decode().split("&"))
    assert form["grant_type"] == "refresh_token"
    assert form["scope"] == "repository%3Aapp%2Fsingle%3Apull"
    assert stats.token_requests == token_requests


@pytest.mark.parametrize(
    ("realm", "host", "insecure", "allowed"),
    [
        ("http://auth.example/token", HOST, (), False),
        ("https://10.0.0.5/token", HOST, (), False),
        ("https://169.254.169.254/token", HOST, (), False),
        ("ftp://auth.example/token", HOST, (), False),
        ("http://127.0.0.1:9/token", "127.0.0.1:5000", (), True),
        ("http://lan.example/token", "lan.example:5000", ("lan.example:5000",), True),
        ("http://other.example/token", "lan.example:5000", ("lan.example:5000",), False),
        ("https://10.0.0.5/token", "10.0.0.4:5000", (), True),
    ],
)
def test_realm_validation(realm: str, host: str, insecure: tuple[str, ...], allowed: bool) -> None:
    fake = FakeRegistry(host, realm=realm)
    fake.push("app", "1", SINGLE)
    answers, _ = resolve_offline([f"{host}/app:1"], fake, RegistryOptions(insecure=insecure))
    resolution = answers[f"{host}/app:1"]
    if allowed:
        assert resolution.digest == SINGLE.digest
    else:
        assert resolution.error is not None
        assert resolution.error.kind is ErrorKind.AUTH
        assert "refusing token realm" in resolution.error.message
        assert not [r for r in fake.requests if str(r.url).startswith(realm)]


# --- redirects -----------------------------------------------------------------------------


def test_redirect_never_carries_authorization_to_another_host(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    cdn_requests: list[httpx.Request] = []

    def to_cdn(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "cdn.example":
            cdn_requests.append(request)
            return httpx.Response(
                200, content=child.manifest, headers={"Content-Type": OCI_MANIFEST}
            )
        if (
            request.method == "GET"
            and request.url.path.endswith(child.digest)
            and request.headers.get("authorization")
        ):
            return httpx.Response(307, headers={"Location": "https://cdn.example/blob?sig=1"})
        return None

    fake.hooks.append(to_cdn)
    text = f"{HOST}/app/multi:1.0"
    answers, _ = resolve_offline([text], fake, RegistryOptions(platform="linux/arm64"))
    assert answers[text].digest == child.digest
    assert len(cdn_requests) == 1
    assert "authorization" not in cdn_requests[0].headers


def test_redirect_target_challenge_gets_an_anonymous_token(fake: FakeRegistry) -> None:
    child = MULTI.child("linux/arm64")
    seen: list[httpx.Request] = []

    def cdn(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "cdnauth.example":
            seen.append(request)
            return httpx.Response(200, json={"token": "cdn-token"})
        if request.url.host == "cdn.example":
            seen.append(request)
            if request.headers.get("authorization") != "Bearer cdn-token":
                return httpx.Response(
                    401,
                    headers={
                        "WWW-Authenticate": 'Bearer realm="https://cdnauth.example/token",scope="blob:read"'
                    },
                )
            return httpx.Response(
                200, content=child.manifest, headers={"Content-Type": OCI_MANIFEST}
            )
        if request.method == "GET" and request.url.path.endswith(child.digest):
            return httpx.Response(307, headers={"Location": "https://cdn.example/blob"})
        return None

    fake.hooks.append(cdn)
    text = f"{HOST}/app/multi:1.0"
    answers, _ = resolve_offline([text], fake, RegistryOptions(platform="linux/arm64"))
    assert answers[text].digest == child.digest
    assert [(r.url.host, r.headers.get("authorization")) for r in seen] == [
        ("cdn.example", None),
        ("cdnauth.example", None),
        ("cdn.example", "Bearer cdn-token"),
    ]
    assert seen[1].url.params.get_list("scope") == ["blob:read"]


def test_redirect_loop_is_invalid(fake: FakeRegistry) -> None:
    fake.hooks.append(
        lambda r: (
            httpx.Response(302, headers={"Location": str(r.url)}) if r.method == "HEAD" else None
        )
    )
    answers, stats = resolve_offline([REF], fake)
    kind, _, message = error_of(answers)
    assert kind is ErrorKind.INVALID
    assert "redirects" in message.lower()
    assert stats.registries_failed == {}


def test_deadline_leaves_nothing_running(caplog: pytest.LogCaptureFixture) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("not reached")

    refs = [f"{HOST}/app/a:1", f"{HOST}/app/a:1@{SINGLE.digest}", f"{HOST}/app/b@{SINGLE.digest}"]
    with caplog.at_level("DEBUG", logger="asyncio"):
        answers, _ = resolve_offline(refs, hang, RegistryOptions(deadline=0.2))
    assert all(a.error is not None for a in answers.values())
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
