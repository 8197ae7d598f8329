"""The registry client: one pooled httpx client for the run, scheme discovery, retries, deadlines.

The first request to a host goes alone; the others wait until the host has
answered it once — that answer settles http vs https for loopback/insecure hosts
and teaches the auth flow the host's challenge — and then get their tokens,
together (linter.registry.auth.tokens batches them), while the first one is still
getting its own; then each waits for one of the host's slots and is sent. A host
that stays unreachable after the retries is given up for the rest of the run, so
a dead registry costs one set of retries, not one per reference.

httpx is imported when the first client is made: a run answered from the cache
never loads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from linter.model import ErrorKind
from linter.records import Record
from linter.registry.api.manifests import ACCEPT
from linter.registry.api.target import Target, first_origin
from linter.registry.errors import RegistryError, display_host, status_error
from linter.registry.http import netio, tls
from linter.registry.http.failures import describe_failure, plain_http_server
from linter.registry.http.retry import RETRY_STATUSES, RetryingSender, RetryPolicy, send
from linter.registry.stats import RunStats

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from linter.registry.auth.challenge import Challenge
    from linter.registry.auth.credentials import CredentialStore
    from linter.registry.http.transport import TransportFactory


class ClientSettings(Record):
    concurrency: int = 32
    per_registry: int = 16
    insecure: tuple[str, ...] = ()
    timeout: float = 10.0
    deadline: float = 120.0
    retry: RetryPolicy = RetryPolicy()


class RegistryClient:
    def __init__(
        self,
        settings: ClientSettings,
        stats: RunStats,
        *,
        transports: TransportFactory | None = None,
        credentials: CredentialStore | None = None,
        connector: netio.Connector | None = None,
    ) -> None:

        from linter.registry.auth.credentials import CredentialStore
        from linter.registry.auth.flow import RegistryAuth
        from linter.registry.auth.tokens import TokenService
        from linter.registry.http.session import registry_http
        from linter.registry.http.transport import RoutingTransport, pooled_transports

        self._settings = settings
        self._stats = stats
        self._deadline = time.monotonic() + settings.deadline
        factory = transports or pooled_transports(
            settings.insecure, settings.per_registry, connector
        )
        self._routing = RoutingTransport(
            factory, settings.concurrency, settings.per_registry, stats
        )
        self._http = registry_http(self._routing, settings.timeout)
        self._sender = RetryingSender(self._http, settings.retry, self._deadline)
        self._tokens = TokenService(self._sender.send, stats)
        self._auth = RegistryAuth(
            credentials or CredentialStore(tracer=stats.tracer),
            self._tokens,
            settings.insecure,
            self._answered,
        )
        self._schemes: dict[str, str] = {}
        #: Set when the host's first request has an answer (or has failed).
        self._first_answer: dict[str, asyncio.Event] = {}
        #: Requests waiting for their host's first answer.
        self._waiting: dict[str, int] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._dead: dict[str, RegistryError] = {}
        #: Connections opened ahead per host before its first answer, and the requests
        #: that wanted one (each request in flight needs a connection over HTTP/1.1).
        self._warmed: dict[str, int] = {}
        self._wanted: dict[str, int] = {}
        self._recollection: Callable[[str], tuple[Challenge, ...] | None] | None = None

    def recall_with(self, lookup: Callable[[str], tuple[Challenge, ...] | None]) -> None:
        """Where a host's challenges from earlier runs are (the persistent cache): with
        them, a host's first requests get their tokens at once, not after a refusal."""
        self._recollection = lookup

    def opened_ahead(self, authority: str) -> None:
        """A connection to the host's first origin was opened before this client was made
        (``Answers.connect_ahead``): it counts as one opened ahead."""
        self._warmed[authority] = max(1, self._warmed.get(authority, 0))

    def challenges_taught(self) -> dict[str, tuple[Challenge, ...]]:
        """host[:port] -> the challenges its answers taught in this run (worth keeping)."""
        return self._auth.taught()

    async def aclose(self) -> None:
        await self._tokens.cancel()
        await self._http.aclose()

    async def manifest(self, target: Target, reference: str, *, head: bool) -> httpx.Response:
        """HEAD or GET a manifest: a 2xx answer, or 400/405/501 to a HEAD (no HEAD support)."""
        method = "HEAD" if head else "GET"
        path = f"/v2/{target.path}/manifests/{reference}"
        response = await self.request(method, target.authority, path, {"Accept": ACCEPT})
        if response.is_success or (head and response.status_code in (400, 405, 501)):
            return response
        raise self._status_error(response, target, reference)

    async def blob(self, target: Target, digest: str) -> bytes:
        path = f"/v2/{target.path}/blobs/{digest}"
        response = await self.request("GET", target.authority, path, {})
        if not response.is_success:
            raise self._status_error(response, target, digest)
        return response.content

    def _status_error(
        self, response: httpx.Response, target: Target, reference: str
    ) -> RegistryError:
        """The error a final non-2xx answer is, naming the credentials sent (401, 403)."""
        return status_error(
            response.status_code,
            response.content,
            target.registry,
            _what(target, reference),
            self._auth.sent(target.authority),
        )

    async def request(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> httpx.Response:
        """A registry API request with auth and retries; the first one per host goes alone."""
        while True:
            dead = self._dead.get(authority)
            if dead is not None:
                raise dead
            scheme = self._schemes.get(authority)
            if scheme is not None:
                url = await self._prepare(scheme, authority, path)
                # Only requests about to be sent hold httpx's requests: thousands of
                # references wait here, small, not inside httpx.
                async with self._slot(authority):
                    return await self._registry_send(method, url, authority, headers)
            answered = self._first_answer.get(authority)
            if answered is None:
                answered = self._first_answer[authority] = asyncio.Event()
                self._recall(authority)
                try:
                    return await self._discover(method, authority, path, headers)
                finally:
                    answered.set()
                    if authority not in self._schemes:  # cancelled: the next request tries
                        del self._first_answer[authority]
            self._waiting[authority] = self._waiting.get(authority, 0) + 1
            try:
                await self._ahead(authority, path)
                await answered.wait()
            finally:
                self._waiting[authority] -= 1

    def _recall(self, authority: str) -> None:
        remembered = self._recollection(authority) if self._recollection else None
        if remembered:
            self._auth.recall(authority, remembered)

    async def _ahead(self, authority: str, path: str) -> None:
        """While the host's first request is out: when its challenge is known from an
        earlier run, get this request's token (tokens are asked together) and, over plain
        HTTP, open the connection it will need."""
        first = first_origin(authority, self._settings.insecure)
        if first is None or not self._auth.knows(authority):
            return
        scheme = first[0]
        self._warm_ahead(scheme, authority)
        import httpx

        # Only a head start: a recollection that fails is the first request's to correct.
        with contextlib.suppress(RegistryError):
            await self._auth.prepare(httpx.URL(f"{scheme}://{authority}{path}"))

    def _warm_ahead(self, scheme: str, authority: str) -> None:
        """A request to a plain-HTTP host before its first answer wants a connection: one is
        opened unless one already was for it (up to the connections the host may use)."""
        wanted = self._wanted[authority] = self._wanted.get(authority, 0) + 1
        warmed = self._warmed.get(authority, 0)
        if scheme == "http" and warmed < min(wanted, self._settings.per_registry):
            self._warmed[authority] = warmed + 1
            self._routing.warm(scheme, authority, 1)

    async def _prepare(self, scheme: str, authority: str, path: str) -> httpx.URL:
        """The request's URL (parsed once: httpx checks each character), with its token got
        before it waits for a slot, when the host's challenge is known: the requests
        waiting for slots ask for their tokens together."""
        import httpx

        url = httpx.URL(f"{scheme}://{authority}{path}")
        try:
            await self._auth.prepare(url)
        except RegistryError as exc:
            self._note_unreachable(authority, exc)
            raise
        return url

    def _slot(self, authority: str) -> asyncio.Semaphore:
        slot = self._slots.get(authority)
        if slot is None:
            slot = self._slots[authority] = asyncio.Semaphore(self._settings.per_registry)
        return slot

    def _note_unreachable(self, authority: str, exc: RegistryError) -> None:
        """A host that stays unreachable after its retries is given up for the run."""
        if exc.kind is ErrorKind.UNREACHABLE and exc.registry == display_host(authority):
            self._dead.setdefault(authority, exc)

    def _answered(self, authority: str, scheme: str) -> None:
        """The host answered a request over ``scheme``: the requests waiting for it may go.

        Over plain HTTP (HTTP/1.1: a connection per request in flight) the connections
        they will need are opened now, while they get their tokens, one round trip each
        that no longer delays their first requests."""
        self._schemes.setdefault(authority, scheme)
        answered = self._first_answer.get(authority)
        if answered is not None and not answered.is_set():
            if scheme == "http":
                # One connection per request in flight: the first request's, those opened
                # ahead, and as many more as the requests waiting need.
                wanted = min(self._settings.per_registry, self._waiting.get(authority, 0) + 1)
                opened = max(1, self._warmed.get(authority, 0))
                self._routing.warm(scheme, authority, wanted - opened)
            answered.set()

    async def _discover(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> httpx.Response:
        """Send the first request to a host and settle its scheme: https, or plain http for a
        loopback or insecure host that speaks it."""
        try:
            return await self._first_request(method, authority, path, headers)
        except RegistryError:
            # A challenge recalled from an earlier run failed before the host answered (its
            # token server moved, say): asked again as if nothing were known.
            if not self._auth.forget_unconfirmed(authority):
                raise
        self._schemes.pop(authority, None)
        self._dead.pop(authority, None)
        return await self._first_request(method, authority, path, headers)

    async def _first_request(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> httpx.Response:
        scheme = "https"
        try:
            if tls.plain_http_allowed(authority, self._settings.insecure):
                scheme, response = await self._settle_scheme(method, authority, path, headers)
                if response is not None:
                    self._schemes[authority] = scheme
                    return response
            url = f"{scheme}://{authority}{path}"
            response = await self._registry_send(method, url, authority, headers)
        except RegistryError as exc:
            if exc.kind is not ErrorKind.UNREACHABLE:
                self._schemes.setdefault(authority, scheme)  # it answered: auth failed, say
            # Whichever step found it unreachable (a plain-HTTP probe's timeout too), the
            # requests waiting for this host's first answer take this one.
            self._note_unreachable(authority, exc)
            raise
        self._schemes[authority] = scheme
        return response

    async def _settle_scheme(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> tuple[str, httpx.Response | None]:
        """The scheme of a host that may speak plain HTTP, and the answer when the request
        that settled it is answered. A port speaks one protocol. On loopback, plain HTTP
        alone first: a round trip there costs nothing, a TLS attempt a CA store, a
        handshake and HTTP/2's import. Elsewhere both at once (:meth:`_race`)."""
        if not tls.is_loopback(tls.split_authority(authority)[0]):
            return await self._race(method, authority, path, headers)
        if self._auth.knows(authority):
            self._warm_ahead("http", authority)  # opened while the token is fetched
        # Awaited, not a task: the request leaves before the other references' first steps.
        bare = await self._try_plain(method, authority, path, headers)
        if bare is not None:
            return self._plain_answer(bare)
        return await self._try_https(method, authority, path, headers)

    async def _race(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> tuple[str, httpx.Response | None]:
        """Plain HTTP and TLS at once: trying TLS first would cost a failed handshake before
        an insecure plain registry's first answer."""
        # Plain first: it is on the wire while the TLS attempt loads its CA store.
        plain = asyncio.ensure_future(self._try_plain(method, authority, path, headers))
        secure = asyncio.ensure_future(self._try_https(method, authority, path, headers))
        try:
            await asyncio.wait((plain, secure), return_when=asyncio.FIRST_COMPLETED)
            if not secure.done() or secure.result()[1] is None:
                bare = await plain
                if bare is not None:
                    return self._plain_answer(bare)
            return await secure
        finally:
            for task in (plain, secure):
                task.cancel()
            await asyncio.gather(plain, secure, return_exceptions=True)

    def _plain_answer(self, bare: httpx.Response) -> tuple[str, httpx.Response | None]:
        """Plain HTTP settled by ``bare``, the answer to a request without credentials."""
        self._auth.learn(bare)
        # Refused for want of credentials: sent again through the auth flow.
        return "http", None if bare.status_code == 401 else bare

    async def _try_https(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> tuple[str, httpx.Response | None]:
        """The request over TLS; no answer when the handshake fails (scheme "http" when it
        fails the way it does against a plain-HTTP server) or the host asks for a retry."""
        import httpx

        try:
            response = await send(
                self._http,
                httpx.Request(method, f"https://{authority}{path}", headers=headers),
                self._auth,
            )
        except httpx.TransportError as exc:
            return ("http" if plain_http_server(exc) else "https"), None
        return "https", None if response.status_code in RETRY_STATUSES else response

    async def _try_plain(
        self, method: str, authority: str, path: str, headers: dict[str, str]
    ) -> httpx.Response | None:
        """The request over plain HTTP: its answer when the host speaks plain HTTP on this
        port. Without credentials, unless the host's challenge is known from an earlier run
        (then with its token: the auth flow sends none but anonymous ones over plain HTTP
        to a host that is not on loopback)."""
        import httpx

        try:
            response = await send(
                self._http,
                httpx.Request(method, f"http://{authority}{path}", headers=headers),
                self._auth if self._auth.knows(authority) else None,
            )
        except httpx.TimeoutException as exc:
            # Silence, not a TLS port's refusal (it answers 400 or closes): asking again
            # over TLS would only wait as long once more.
            raise RegistryError(
                ErrorKind.UNREACHABLE, describe_failure(exc), display_host(authority)
            ) from None
        except httpx.TransportError:
            return None  # not settled: a TLS port may close on us
        except httpx.RequestError as exc:  # an answer, a bad one: a redirect loop, a huge body
            self._schemes[authority] = "http"
            raise RegistryError(
                ErrorKind.INVALID, describe_failure(exc), display_host(authority)
            ) from None
        # A TLS port answers plain HTTP with 400 ("client sent an HTTP request to an HTTPS
        # server"); a retry answer settles nothing either.
        if response.status_code == 400 or response.status_code in RETRY_STATUSES:
            return None
        return response

    async def _registry_send(
        self, method: str, url: httpx.URL | str, authority: str, headers: dict[str, str]
    ) -> httpx.Response:
        import httpx

        try:
            return await self._sender.send(
                httpx.Request(method, url, headers=headers),
                auth=self._auth,
            )
        except RegistryError as exc:
            self._note_unreachable(authority, exc)
            raise


def _what(target: Target, reference: str) -> str:
    separator = "@" if ":" in reference else ":"
    return f"{target.path}{separator}{reference}"
