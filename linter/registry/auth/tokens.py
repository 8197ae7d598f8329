"""Bearer tokens from a registry's token server (distribution ``spec/auth``), cached per run.

Requests that need a token for one repository at the same moment share one token
request for all their scopes (up to BATCH_SCOPES), and its token: a run over many
repositories costs a few token requests, not one per repository. A registry that
refuses such a token, or a token server that refuses such a request, gets one
scope per token for the rest of the run. Other scope sets (an ``insufficient_scope``
retry) get a token of their own. Tokens are shared by concurrent requests and kept
until ``expires_in`` (at least 60 s) runs out. They live in memory only: the
persistent cache never holds a secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import httpx

from linter import redact, untrusted_json
from linter.model import ErrorKind
from linter.records import Record
from linter.registry.auth.credentials import Credentials, unusable
from linter.registry.errors import RegistryError, error_detail
from linter.registry.options import BATCH_SCOPES
from linter.registry.stats import RunStats
from linter.registry.tasks import cancel_pending

MIN_LIFETIME = 60.0
#: A token is asked again after a day whatever it says (a year of ``expires_in`` is a typo
#: or a lie; a token revoked meanwhile would otherwise be used for the whole run anyway).
MAX_LIFETIME = 86400.0
#: Refresh a little early so a token does not expire on its way to the registry.
SAFETY_MARGIN = 5.0
CLIENT_ID = "imagepin"

Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]
_Key = tuple[str, str, frozenset[str], str]
#: Who grants a token: realm, service, user.
_Grantor = tuple[str, str, str]


class Token(Record):
    value: str
    expires_at: float

    def usable(self, now: float) -> bool:
        return now < self.expires_at - SAFETY_MARGIN

    def __repr__(self) -> str:  # the value is a secret
        return f"Token(expires_at={self.expires_at!r})"


class _Batch(Record):
    """One token request for one scope or several; scopes join it until it is sent."""

    scopes: list[str]
    task: asyncio.Task[Token]


class _NotHonoured(Exception):
    """A token for several scopes was refused: this registry wants one scope per token."""


def basic_header(username: str, password: str) -> str:
    # Remembered whatever the source (a password field, a helper, DOCKER_AUTH_CONFIG): a
    # registry may echo the header back in a message of its own.
    redact.remember_basic(username, password)
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def parse_token(body: bytes, now: float) -> Token:
    """Read a token response: ``token`` or ``access_token``, ``expires_in``, ``issued_at``.

    The token is remembered as a secret (linter.redact) before anything else, and refused
    (ValueError, in words that never quote it) when a header could not carry it. Fields
    of the wrong type or out of range are ignored: the token lives MIN_LIFETIME.
    """
    try:
        document = untrusted_json.loads(body)
    except ValueError as exc:
        raise ValueError(f"token response is not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ValueError("token response is not a JSON object")
    value = document.get("token") or document.get("access_token")
    if not isinstance(value, str) or not value:
        raise ValueError("token response has neither 'token' nor 'access_token'")
    redact.remember(value)
    problem = unusable(value, header=True)
    if problem is not None:
        raise ValueError(f"the token it granted {problem}; not used")
    lifetime = _lifetime(document.get("expires_in"))
    start = now
    issued = document.get("issued_at")
    if isinstance(issued, str):
        # A token issued a while ago expires earlier; one "issued" in the future does not
        # extend its life (clock skew).
        with contextlib.suppress(ValueError, OverflowError, OSError):
            start = min(now, datetime.fromisoformat(issued.replace("Z", "+00:00")).timestamp())
    return Token(value, start + lifetime)


def _lifetime(expires_in: object) -> float:
    """``expires_in`` within [MIN_LIFETIME, MAX_LIFETIME]; MIN_LIFETIME when it is not a
    number. Compared before any float(): float() of a huge integer raises."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
        return MIN_LIFETIME
    if expires_in != expires_in:  # NaN
        return MIN_LIFETIME
    return float(max(MIN_LIFETIME, min(expires_in, MAX_LIFETIME)))


class TokenService:
    def __init__(self, send: Sender, stats: RunStats, clock: Callable[[], float] = time.time):
        self._send = send
        self._stats = stats
        self._clock = clock
        self._tokens: dict[_Key, asyncio.Task[Token]] = {}
        self._batches: dict[tuple[_Grantor, str], _Batch] = {}
        #: The batch each grantor is still filling (not sent yet).
        self._filling: dict[_Grantor, _Batch] = {}
        #: Values of tokens granted for several scopes at once.
        self._shared: set[str] = set()
        #: (realm, service) that want one scope per token.
        self._single: set[tuple[str, str]] = set()
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
        self._check_refused(realm, credentials)
        if len(scopes) == 1 and (realm, service) not in self._single:
            grantor = (realm, service, credentials.username)
            try:
                return await self._batched(grantor, scopes[0], credentials, registry, rejected)
            except _NotHonoured:
                self._single.add((realm, service))
                self._check_refused(realm, credentials)
        key = (realm, service, frozenset(scopes), credentials.username)
        task = self._tokens.get(key)
        if task is None or not self._reusable(task, rejected):
            task = asyncio.ensure_future(self._fetch(realm, service, scopes, credentials, registry))
            self._tokens[key] = task
        return (await asyncio.shield(task)).value

    def shared(self, token: str) -> bool:
        """Whether ``token`` was granted for several scopes (a registry may honour only one)."""
        return token in self._shared

    async def cancel(self) -> None:
        batches = [batch.task for batch in self._batches.values()]
        await cancel_pending([*self._tokens.values(), *batches])

    def _check_refused(self, realm: str, credentials: Credentials) -> None:
        refused = self._refused.get((realm, credentials.username))
        if refused is not None and not credentials.anonymous:
            raise refused

    def _reusable(self, task: asyncio.Task[Token], rejected: str | None) -> bool:
        """A request in flight, a token still good, or a failure to repeat (not asked again)."""
        if task.cancelled():
            return False
        if not task.done() or task.exception() is not None:
            return True
        current = task.result()
        return current.value != rejected and current.usable(self._clock())

    async def _batched(
        self,
        grantor: _Grantor,
        scope: str,
        credentials: Credentials,
        registry: str,
        rejected: str | None,
    ) -> str:
        batch = self._batches.get((grantor, scope))
        if batch is not None and len(batch.scopes) > 1 and _granted(batch.task, rejected):
            raise _NotHonoured  # the registry refused a token naming several repositories
        if batch is None or not self._reusable(batch.task, rejected):
            batch = self._join(grantor, scope, credentials, registry)
        try:
            return (await asyncio.shield(batch.task)).value
        except RegistryError as exc:
            # Some token servers refuse several scopes at once (or one of them).
            if len(batch.scopes) > 1 and exc.kind is ErrorKind.AUTH:
                raise _NotHonoured from None
            raise

    def _join(
        self, grantor: _Grantor, scope: str, credentials: Credentials, registry: str
    ) -> _Batch:
        batch = self._filling.get(grantor)
        if batch is None or len(batch.scopes) >= BATCH_SCOPES:
            scopes = [scope]
            task = asyncio.ensure_future(self._ask(grantor, scopes, credentials, registry))
            batch = self._filling[grantor] = _Batch(scopes, task)
        elif scope not in batch.scopes:
            batch.scopes.append(scope)
        self._batches[(grantor, scope)] = batch
        return batch

    async def _ask(
        self, grantor: _Grantor, scopes: list[str], credentials: Credentials, registry: str
    ) -> Token:
        # One turn of the event loop: requests started in the same moment join in.
        await asyncio.sleep(0)
        filling = self._filling.get(grantor)
        if filling is not None and filling.scopes is scopes:
            del self._filling[grantor]
        realm, service, _ = grantor
        token = await self._fetch(realm, service, scopes, credentials, registry)
        if len(scopes) > 1:
            self._shared.add(token.value)
        return token

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
            # Whether credentials were found, and where: "no credentials for ghcr.io" is
            # not "the credentials from ~/.docker/config.json were rejected".
            account = credentials.account(registry)
            if credentials.anonymous:
                told = f"{account}: token server {realm} refused anonymous access"
            else:
                told = f"{account} were rejected by token server {realm}"
            error = RegistryError(ErrorKind.AUTH, f"{told} (HTTP {status}){said}", registry)
            if not credentials.anonymous:
                self._refused[(realm, credentials.username)] = error
            return error
        kind = ErrorKind.UNREACHABLE if status == 429 or status >= 500 else ErrorKind.AUTH
        return RegistryError(kind, f"token server {realm} answered HTTP {status}{said}", registry)


def _granted(task: asyncio.Task[Token], value: str | None) -> bool:
    """Whether ``task`` gave the token ``value``."""
    done = task.done() and not task.cancelled() and task.exception() is None
    return done and value is not None and task.result().value == value
