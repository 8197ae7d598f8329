"""Registry authentication as an httpx auth flow: challenges, Basic, Bearer tokens.

The first request to a host goes out bare (the client sends it alone); its 401
teaches us the host's challenge, and every later request asks for its token
before it is sent, so a run costs one refused request per registry. A 401 on a
request that carried a token is retried once with a fresh token, adding the scope
an ``insufficient_scope`` error names. Credentials go to the registry host and its
validated token realm only: never to a host a redirect leads to.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Collection

import httpx

from linter.model import ErrorKind
from linter.registry.auth.challenge import Challenge, parse_challenges
from linter.registry.auth.credentials import (
    ANONYMOUS,
    CredentialError,
    Credentials,
    CredentialStore,
)
from linter.registry.auth.tokens import TokenService, basic_header
from linter.registry.errors import RegistryError, display_host, quoted
from linter.registry.http import tls

_REPOSITORY = re.compile(r"^/v2/(.+)/(?:manifests|blobs|tags|referrers)/")


def repository(path: str) -> str | None:
    """The repository a registry API path is about (``/v2/<name>/manifests/…``)."""
    match = _REPOSITORY.match(path)
    return match.group(1) if match else None


def authority_of(url: httpx.URL) -> str:
    return url.netloc.decode("ascii").lower()


#: A realm is quoted whole in messages: a registry may not make them run to kilobytes.
MAX_REALM = 1000


def check_realm(realm: str, authority: str, insecure: Collection[str]) -> None:
    """Refuse realms that would leak credentials: https only, except for a registry that is
    itself allowed plain HTTP, whose realm may be on loopback or on the same host."""
    registry = display_host(authority)
    if len(realm) > MAX_REALM:
        message = f"refusing token realm {quoted(realm)}: {len(realm)} characters long"
        raise RegistryError(ErrorKind.AUTH, message, registry)
    try:
        url = httpx.URL(realm)
        host = url.host.lower()
    except (httpx.InvalidURL, UnicodeError):  # UnicodeError: a host name IDNA refuses
        raise RegistryError(ErrorKind.AUTH, f"invalid token realm {realm!r}", registry) from None
    if url.port is not None and not 0 < url.port < 65536:
        message = f"refusing token realm {realm}: port {url.port} is out of range"
        raise RegistryError(ErrorKind.AUTH, message, registry)
    registry_host, _ = tls.split_authority(authority)
    if tls.is_link_local(host) and not tls.listed(authority, insecure):
        raise RegistryError(
            ErrorKind.AUTH,
            f"refusing token realm {realm}: a link-local address (cloud metadata services "
            "answer there), allowed only for a registry listed insecure",
            registry,
        )
    plain_ok = tls.plain_http_allowed(authority, insecure)
    # A public registry must not send us (and our credentials) to an internal address.
    internal_ok = plain_ok or tls.is_private_address(registry_host)
    if host and url.scheme == "https" and (internal_ok or not tls.is_private_address(host)):
        return
    nearby = tls.is_loopback(host) or host == registry_host
    if host and url.scheme == "http" and plain_ok and nearby:
        return
    raise RegistryError(
        ErrorKind.AUTH, f"refusing token realm {realm}: it must be https on a public host", registry
    )


#: What a request over plain HTTP to a host that is not loopback is sent with.
_CLEAR_TEXT = Credentials(searched="none are sent over plain HTTP to a host that is not loopback")


def _bearer(challenges: tuple[Challenge, ...]) -> Challenge | None:
    return next((c for c in challenges if c.scheme == "bearer" and c.get("realm")), None)


def _insufficient_scopes(challenges: tuple[Challenge, ...]) -> tuple[str, ...]:
    bearer = _bearer(challenges)
    if bearer is None or bearer.get("error") != "insufficient_scope":
        return ()
    return bearer.scopes


class RegistryAuth(httpx.Auth):
    """``answered(authority, scheme)`` is told when a host first answers (its challenge is
    then known, so requests waiting for that can get their tokens first)."""

    def __init__(
        self,
        credentials: CredentialStore,
        tokens: TokenService,
        insecure: Collection[str],
        answered: Callable[[str, str], None] | None = None,
    ) -> None:
        self._credentials = credentials
        self._tokens = tokens
        self._insecure = insecure
        self._answered = answered
        #: host[:port] -> its challenges; absent until the host first answers 401 or 2xx,
        #: unless recalled (the persistent cache's, from an earlier run).
        self._challenges: dict[str, tuple[Challenge, ...]] = {}
        #: Hosts that answered this run (``answered`` was told).
        self._heard: set[str] = set()
        #: Hosts whose challenges an answer of this run taught (what is worth keeping).
        self._taught: set[str] = set()
        #: (realm, host[:port]) found safe: every request of the run would check it again.
        self._realms_checked: set[tuple[str, str]] = set()
        #: host[:port] -> the credentials its last request was sent with (for messages).
        self._sent: dict[str, Credentials] = {}

    def _learn(self, request: httpx.Request, challenges: tuple[Challenge, ...] | None) -> None:
        """Record the host's challenges (None: keep what we know) after an answer."""
        authority = authority_of(request.url)
        if challenges:
            self._taught.add(authority)
        if challenges is not None or authority not in self._challenges:
            self._challenges[authority] = challenges or self._challenges.get(authority, ())
        if authority not in self._heard:
            self._heard.add(authority)
            if self._answered is not None:
                self._answered(authority, request.url.scheme)

    def recall(self, authority: str, challenges: tuple[Challenge, ...]) -> None:
        """What ``authority`` answered with in an earlier run: its requests ask for their
        tokens before anything is sent (an answer of this run still replaces it)."""
        self._challenges.setdefault(authority, challenges)

    def forget_unconfirmed(self, authority: str) -> bool:
        """Drop a recalled challenge no answer of this run confirmed; whether there was one."""
        if authority in self._heard or authority in self._taught:
            return False
        return self._challenges.pop(authority, None) is not None

    def knows(self, authority: str) -> bool:
        return bool(self._challenges.get(authority))

    def taught(self) -> dict[str, tuple[Challenge, ...]]:
        """The challenges the hosts' answers taught in this run."""
        return {authority: self._challenges[authority] for authority in self._taught}

    def learn(self, response: httpx.Response) -> None:
        """What the answer to a request sent without this flow teaches: the host's challenge
        (a 401 without one is left to the flow, which pings ``/v2/`` for it)."""
        if response.status_code != 401:
            self._learn(response.request, None)
            return
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        if challenges:
            self._learn(response.request, challenges)

    async def prepare(self, url: httpx.URL) -> None:
        """Get the token a request to ``url`` will carry, when the host's challenge is
        known: requests waiting for a connection ask for their tokens together, early."""
        challenges = self._challenges.get(authority_of(url))
        if challenges:
            await self._authorization(url, repository(url.path), challenges, (), None)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        authority = authority_of(request.url)
        repo = repository(request.url.path)
        sent: str | None = None
        asked: tuple[str, ...] = ()
        if authority in self._challenges:
            sent, asked = await self._authorization(
                request.url, repo, self._challenges[authority], (), None
            )
            if sent is not None:
                request.headers["Authorization"] = sent
        response = yield request
        pinged = answered = refreshed = False
        # At most two more tries: one to learn the challenge, one with a fresh token.
        for _ in range(2):
            if response.status_code != 401:
                self._learn(request, None)
                break
            if authority_of(response.request.url) != authority:
                retry = await self._redirect_target_retry(response)
                if retry is not None:
                    yield retry
                return
            challenges = parse_challenges(response.headers.get_list("www-authenticate"))
            if not challenges and authority not in self._challenges:
                # GCR answers 401 without a challenge on resources; the /v2/ ping carries it.
                ping = yield httpx.Request("GET", request.url.copy_with(path="/v2/", query=None))
                challenges = parse_challenges(ping.headers.get_list("www-authenticate"))
                pinged = True
            self._learn(request, challenges)
            challenges = self._challenges[authority]
            extra = _insufficient_scopes(challenges)
            if sent is not None:
                # A token is refreshed once; a scope we already asked for will not come.
                if refreshed or (extra and set(extra) <= set(asked)):
                    break
                refreshed = True
            header, asked = await self._authorization(request.url, repo, challenges, extra, sent)
            if header is None or header == sent:
                break
            request.headers["Authorization"] = sent = header
            response = yield request
            answered = True
        if pinged and not answered:
            # After a ping the caller must get the answer to its own request, not the ping's.
            yield request

    async def _authorization(
        self,
        url: httpx.URL,
        repo: str | None,
        challenges: tuple[Challenge, ...],
        extra_scopes: tuple[str, ...],
        rejected: str | None,
    ) -> tuple[str | None, tuple[str, ...]]:
        """The Authorization value (None: go anonymous) and, for a token, its scopes."""
        bearer = _bearer(challenges)
        basic = next((c for c in challenges if c.scheme == "basic"), None)
        if bearer is None and basic is None:
            return None, ()
        authority = authority_of(url)
        # Credentials never cross a network in clear text: over plain HTTP, only to loopback.
        plain = url.scheme != "https" and not tls.is_loopback(url.host)
        credentials = _CLEAR_TEXT if plain else await self._lookup(authority, repo or "")
        self._sent[authority] = credentials
        if bearer is not None:
            if credentials.registry_token:
                return f"Bearer {credentials.registry_token}", ()
            realm = bearer.get("realm") or ""
            if (realm, authority) not in self._realms_checked:
                check_realm(realm, authority, self._insecure)
                self._realms_checked.add((realm, authority))
            own = (f"repository:{repo}:pull",) if repo else ()
            # Newly required scopes first: some token servers honour only the first.
            scopes = tuple(dict.fromkeys((*extra_scopes, *own)))
            token = await self._tokens.token(
                realm,
                bearer.get("service") or "",
                scopes,
                credentials,
                display_host(authority),
                rejected=rejected.removeprefix("Bearer ") if rejected else None,
            )
            # A token shared with other repositories was not asked for these scopes alone:
            # when it is refused, one of our own is worth a try.
            return f"Bearer {token}", () if self._tokens.shared(token) else scopes
        if credentials.has_basic:
            return basic_header(credentials.username, credentials.password), ()
        return None, ()

    def sent(self, authority: str) -> Credentials | None:
        """The credentials the last request to ``authority`` went with; None when it was
        never asked for any (the host asked for none)."""
        return self._sent.get(authority)

    async def _lookup(self, authority: str, repo: str) -> Credentials:
        try:
            return await self._credentials.lookup(authority, repo)
        except CredentialError as exc:
            raise RegistryError(ErrorKind.AUTH, str(exc), display_host(authority)) from None

    async def _redirect_target_retry(self, response: httpx.Response) -> httpx.Request | None:
        """A host we were redirected to wants a token: an anonymous one for its own challenge."""
        target = response.request
        authority = authority_of(target.url)
        bearer = _bearer(parse_challenges(response.headers.get_list("www-authenticate")))
        if bearer is None:
            return None
        realm = bearer.get("realm") or ""
        check_realm(realm, authority, self._insecure)
        token = await self._tokens.token(
            realm, bearer.get("service") or "", bearer.scopes, ANONYMOUS, display_host(authority)
        )
        retry = httpx.Request(target.method, target.url, headers=target.headers)
        retry.headers["Authorization"] = f"Bearer {token}"
        return retry
