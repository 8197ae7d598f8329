from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from linter.model import ErrorKind
from linter.registry.auth.credentials import ANONYMOUS, Credentials
from linter.registry.auth.tokens import MIN_LIFETIME, TokenService, parse_token
from linter.registry.errors import RegistryError
from linter.registry.stats import RunStats

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("document", "value", "expires_at"),
    [
        ({"token": "a", "expires_in": 300}, "a", NOW + 300),
        ({"access_token": "b", "expires_in": 300}, "b", NOW + 300),
        ({"token": "a", "access_token": "b"}, "a", NOW + MIN_LIFETIME),
        # expires_in missing or too short: 60 s.
        ({"token": "a", "expires_in": 30}, "a", NOW + 60),
        ({"token": "a", "expires_in": "300"}, "a", NOW + 60),
        # issued a while ago: it expires that much earlier.
        ({"token": "a", "expires_in": 300, "issued_at": "2023-11-14T22:11:20Z"}, "a", NOW + 180),
        (
            {"token": "a", "expires_in": 300, "issued_at": "2023-11-14T22:11:20+00:00"},
            "a",
            NOW + 180,
        ),
        # issued "in the future" (skew) does not extend its life; garbage is ignored.
        ({"token": "a", "expires_in": 300, "issued_at": "2023-11-14T23:13:20Z"}, "a", NOW + 300),
        ({"token": "a", "expires_in": 300, "issued_at": "yesterday"}, "a", NOW + 300),
    ],
)
def test_parse_token(document: dict[str, object], value: str, expires_at: float) -> None:
    token = parse_token(json.dumps(document).encode(), NOW)
    assert (token.value, token.expires_at) == (value, pytest.approx(expires_at))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "not JSON"),
        (b"[]", "not a JSON object"),
        (b"{}", "neither 'token' nor 'access_token'"),
        (b'{"token": ""}', "neither"),
    ],
)
def test_parse_token_rejects(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_token(body, NOW)


def test_repr_hides_the_token() -> None:
    assert "s3cr3t" not in repr(parse_token(b'{"token": "s3cr3t"}', NOW))


class Server:
    """A token endpoint counting its requests; answers with a new token each time."""

    def __init__(self, status: int = 200, expires_in: int = 300) -> None:
        self.status = status
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await asyncio.sleep(0.01)
        if self.status != 200:
            return httpx.Response(self.status, json={"errors": [{"code": "X", "message": "no"}]})
        return httpx.Response(
            200, json={"token": f"t{len(self.requests)}", "expires_in": self.expires_in}
        )


class Clock:
    now = NOW

    def __call__(self) -> float:
        return self.now


def service(server: Server, clock: Clock | None = None) -> tuple[TokenService, RunStats]:
    stats = RunStats()
    return TokenService(server, stats, clock or Clock()), stats


REALM = "https://auth.example/token"
SCOPES = ("repository:a:pull",)


def test_concurrent_requests_share_one_token() -> None:
    server = Server()
    tokens, stats = service(server)

    async def many() -> set[str]:
        got = await asyncio.gather(
            *(tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r") for _ in range(50))
        )
        return set(got)

    assert asyncio.run(many()) == {"t1"}
    assert len(server.requests) == 1 and stats.token_requests == 1


def test_tokens_are_cached_per_scope_set_and_user() -> None:
    server = Server()
    tokens, _ = service(server)
    alice = Credentials("alice", "pw")

    async def run() -> list[str]:
        return [
            await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r"),
            await tokens.token(REALM, "s", ("repository:b:pull",), ANONYMOUS, "r"),
            await tokens.token(
                REALM, "s", ("repository:b:pull", "repository:a:pull"), ANONYMOUS, "r"
            ),
            await tokens.token(
                REALM, "s", ("repository:a:pull", "repository:b:pull"), ANONYMOUS, "r"
            ),
            await tokens.token(REALM, "s", SCOPES, alice, "r"),
            await tokens.token(REALM, "other", SCOPES, ANONYMOUS, "r"),
            await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r"),
        ]

    assert asyncio.run(run()) == ["t1", "t2", "t3", "t3", "t4", "t5", "t1"]


def test_expiry_and_rejection_refresh() -> None:
    server = Server(expires_in=100)
    clock = Clock()
    tokens, _ = service(server, clock)

    async def run() -> list[str]:
        first = await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r")
        clock.now += 50
        still = await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r")
        clock.now += 50
        expired = await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r")
        rejected = await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r", rejected=expired)
        # Rejecting an older token does not throw away the newer one.
        again = await tokens.token(REALM, "s", SCOPES, ANONYMOUS, "r", rejected=first)
        return [first, still, expired, rejected, again]

    assert asyncio.run(run()) == ["t1", "t1", "t2", "t3", "t3"]


def test_request_shape_with_credentials() -> None:
    server = Server()
    tokens, _ = service(server)
    asyncio.run(
        tokens.token(
            REALM,
            "reg",
            ("repository:x:pull,push", "repository:y:pull"),
            Credentials("bob", "pw"),
            "r",
        )
    )
    (request,) = server.requests
    assert request.method == "GET"
    assert request.url.params.multi_items() == [
        ("service", "reg"),
        ("scope", "repository:x:pull,push"),
        ("scope", "repository:y:pull"),
        ("account", "bob"),
    ]
    assert request.headers["authorization"] == "Basic Ym9iOnB3"


def test_anonymous_request_has_no_authorization() -> None:
    server = Server()
    tokens, _ = service(server)
    asyncio.run(tokens.token(REALM, "", SCOPES, ANONYMOUS, "r"))
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert request.url.params.multi_items() == [("scope", "repository:a:pull")]


@pytest.mark.parametrize(
    ("status", "credentials", "kind", "message"),
    [
        (
            401,
            ANONYMOUS,
            ErrorKind.AUTH,
            f"no credentials for reg.example (none looked up): token server {REALM} "
            "refused anonymous access (HTTP 401): no",
        ),
        (
            401,
            Credentials(searched="looked in /home/bob/.docker/config.json"),
            ErrorKind.AUTH,
            "no credentials for reg.example (looked in /home/bob/.docker/config.json): "
            f"token server {REALM} refused anonymous access (HTTP 401): no",
        ),
        (
            401,
            Credentials("bob", "pw", source="/home/bob/.docker/config.json, auths['r.example']"),
            ErrorKind.AUTH,
            "the credentials from /home/bob/.docker/config.json, auths['r.example'] were "
            f"rejected by token server {REALM} (HTTP 401): no",
        ),
        (403, ANONYMOUS, ErrorKind.AUTH, "refused anonymous access (HTTP 403)"),
        (503, ANONYMOUS, ErrorKind.UNREACHABLE, f"token server {REALM} answered HTTP 503: no"),
        (400, ANONYMOUS, ErrorKind.AUTH, "answered HTTP 400"),
    ],
)
def test_refusals(status: int, credentials: Credentials, kind: ErrorKind, message: str) -> None:
    tokens, _ = service(Server(status))
    with pytest.raises(RegistryError) as caught:
        asyncio.run(tokens.token(REALM, "s", SCOPES, credentials, "reg.example"))
    assert (caught.value.kind, caught.value.registry) == (kind, "reg.example")
    assert message in caught.value.message
    assert "pw" not in caught.value.message


def test_refused_credentials_are_not_tried_again() -> None:
    server = Server(401)
    tokens, _ = service(server)
    bob = Credentials("bob", "pw")

    async def run() -> int:
        for scope in ("repository:a:pull", "repository:b:pull", "repository:c:pull"):
            with pytest.raises(RegistryError):
                await tokens.token(REALM, "s", (scope,), bob, "r")
        return len(server.requests)

    assert asyncio.run(run()) == 1


def test_transport_failure_names_the_registry() -> None:
    async def send(request: httpx.Request) -> httpx.Response:
        raise RegistryError(
            ErrorKind.UNREACHABLE, "connection refused (after 4 attempts)", "auth.example"
        )

    tokens = TokenService(send, RunStats())
    with pytest.raises(RegistryError) as caught:
        asyncio.run(tokens.token(REALM, "s", SCOPES, ANONYMOUS, "reg.example"))
    assert caught.value.registry == "reg.example"
    assert caught.value.message == f"token server {REALM}: connection refused (after 4 attempts)"
