"""Bearer tokens from a registry's token server (distribution ``spec/auth``), cached per run.

One token per (realm, service, scopes, user), shared by concurrent requests and kept
until ``expires_in`` (at least 60 s) runs out. Tokens live in memory only: the
persistent cache never holds a secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from linter.model import ErrorKind
from linter.registry.credentials import Credentials
from linter.registry.errors import RegistryError, error_detail
from linter.registry.stats import RunStats
from linter.registry.tasks import cancel_pending

MIN_LIFETIME = 60.0
#: Refresh a little early so a token does not expire on its way to the registry.
SAFETY_MARGIN = 5.0
CLIENT_ID = "imagepin"

Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]
_Key = tuple[str, str, frozenset[str], str]


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float

    def usable(self, now: float) -> bool:
        return now < self.expires_at - SAFETY_MARGIN


def basic_header(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def parse_token(body: bytes, now: float) -> Token:
    """Read a token response: ``token`` or ``access_token``, ``expires_in``, ``issued_at``."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("token response is not JSON") from None
    if not isinstance(document, dict):
        raise ValueError("token response is not a JSON object")
    value = document.get("token") or document.get("access_token")
    if not isinstance(value, str) or not value:
        raise ValueError("token response has neither 'token' nor 'access_token'")
    expires_in = document.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else MIN_LIFETIME
    start = now
    issued = document.get("issued_at")
    if isinstance(issued, str):
        # A token issued a while ago expires earlier; one "issued" in the future does not
        # extend its life (clock skew).
        with contextlib.suppress(ValueError):
            start = min(now, datetime.fromisoformat(issued.replace("Z", "+00:00")).timestamp())
    return Token(value, start + max(lifetime, MIN_LIFETIME))


class TokenService:
    def __init__(self, send: Sender, stats: RunStats, clock: Callable[[], float] = time.time):
        self._send = send
        self._stats = stats
        self._clock = clock
        self._tokens: dict[_Key, asyncio.Task[Token]] = {}
        #: Credentials a token server rejected: every later request with them fails the same way.
        self._refused: dict[tuple[str, str], RegistryError] = {}

    async def token(
        self,
        realm: str,
        service: str,
        scopes: Sequence[str],
        credentials: Credentials,
        registry: str,
        rejected: str | None = None,
    ) -> str:
        """A token for ``scopes``; a fresh one when the cached one is ``rejected``."""
        refused = self._refused.get((realm, credentials.username))
        if refused is not None and not credentials.anonymous:
            raise refused
        key = (realm, service, frozenset(scopes), credentials.username)
        task = self._tokens.get(key)
        if task is not None and task.cancelled():
            task = None
        elif task is not None and task.done() and task.exception() is None:
            current = task.result()
            if current.value == rejected or not current.usable(self._clock()):
                task = None
        if task is None:
            task = asyncio.ensure_future(self._fetch(realm, service, scopes, credentials, registry))
            self._tokens[key] = task
        return (await asyncio.shield(task)).value

    async def cancel(self) -> None:
        await cancel_pending(self._tokens.values())

    async def _fetch(
        self,
        realm: str,
        service: str,
        scopes: Sequence[str],
        credentials: Credentials,
        registry: str,
    ) -> Token:
        if credentials.identity_token:
            response = await self._request(
                self._oauth_request(realm, service, scopes, credentials), registry
            )
            if (
                response.status_code == 404
            ):  # no OAuth2 endpoint: the GET form (go-containerregistry)
                response = await self._request(
                    self._get_request(realm, service, scopes, credentials), registry
                )
        else:
            response = await self._request(
                self._get_request(realm, service, scopes, credentials), registry
            )
        if response.status_code != 200:
            raise self._refusal(response, realm, credentials, registry)
        try:
            return parse_token(response.content, self._clock())
        except ValueError as exc:
            raise RegistryError(ErrorKind.AUTH, f"token server {realm}: {exc}", registry) from None

    async def _request(self, request: httpx.Request, registry: str) -> httpx.Response:
        self._stats.token_requests += 1
        try:
            return await self._send(request)
        except RegistryError as exc:  # name the registry the token was for, not the realm's host
            realm = request.url.copy_with(query=None)
            raise RegistryError(
                exc.kind, f"token server {realm}: {exc.message}", registry
            ) from None

    @staticmethod
    def _get_request(
        realm: str, service: str, scopes: Sequence[str], credentials: Credentials
    ) -> httpx.Request:
        params: list[tuple[str, str | int | float | bool | None]] = []
        if service:
            params.append(("service", service))
        params += [("scope", scope) for scope in scopes]
        headers = {}
        if credentials.has_basic:
            params.append(("account", credentials.username))
            headers["Authorization"] = basic_header(credentials.username, credentials.password)
        return httpx.Request("GET", realm, params=params, headers=headers)

    @staticmethod
    def _oauth_request(
        realm: str, service: str, scopes: Sequence[str], credentials: Credentials
    ) -> httpx.Request:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": credentials.identity_token,
            "service": service,
            "client_id": CLIENT_ID,
            "scope": " ".join(scopes),
        }
        return httpx.Request("POST", realm, data=form)

    def _refusal(
        self, response: httpx.Response, realm: str, credentials: Credentials, registry: str
    ) -> RegistryError:
        status = response.status_code
        detail = error_detail(response.content)
        said = f": {detail[1]}" if detail and detail[1] else ""
        if status in (401, 403):
            who = (
                "anonymous access"
                if credentials.anonymous
                else (
                    f"the credentials of {credentials.username or 'the identity token'}"
                    f" (from {credentials.source})"
                )
            )
            error = RegistryError(
                ErrorKind.AUTH,
                f"token server {realm} refused {who} (HTTP {status}){said}",
                registry,
            )
            if not credentials.anonymous:
                self._refused[(realm, credentials.username)] = error
            return error
        kind = ErrorKind.UNREACHABLE if status == 429 or status >= 500 else ErrorKind.AUTH
        return RegistryError(kind, f"token server {realm} answered HTTP {status}{said}", registry)
