"""The HTTP layer under the client: one pooled transport per host, bounded and counted.

Each host gets its own connection pool and TLS context (certs.d CAs, insecure
hosts), HTTP/2 when the server offers it over TLS. Every exchange holds a slot of
the global and of its host's semaphore only while it is in flight, so token
requests made between two registry exchanges can never deadlock against them.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import Callable, Collection
from types import TracebackType

import httpcore
import httpx

from linter.registry import limits, netio, tls, trace
from linter.registry.stats import RunStats

#: (scheme, host[:port]) -> the transport for that origin.
TransportFactory = Callable[[str, str], httpx.AsyncBaseTransport]


def pooled_transports(insecure: Collection[str], per_host: int) -> TransportFactory:
    """A factory of real transports, honouring HTTPS_PROXY/HTTP_PROXY/NO_PROXY."""
    proxies = urllib.request.getproxies_environment()

    def make(scheme: str, authority: str) -> httpx.AsyncBaseTransport:
        host, _ = tls.split_authority(authority)
        proxy = None
        # proxy_bypass reads NO_PROXY (the environment) on Linux.
        if not tls.is_loopback(host) and not urllib.request.proxy_bypass(host):
            proxy = proxies.get(scheme)
        secure = scheme == "https"
        # A plain-HTTP origin needs no CA store (loading it costs tens of milliseconds
        # before a local registry's first answer); a context without CAs fails closed.
        context = tls.ssl_context(authority, insecure) if secure else tls.no_trust_context()
        if proxy is None:
            return _Direct(context, authority, secure=secure, per_host=per_host)
        return httpx.AsyncHTTPTransport(
            verify=context,
            http2=secure,
            limits=httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host),
            proxy=proxy,
            trust_env=False,
        )

    return make


class _Direct(httpx.AsyncHTTPTransport):
    """httpx's transport over a pool of :mod:`netio` connections instead of anyio's.

    httpx offers no way to give its pool another network backend, so this sets the
    pool itself: ``_pool`` is all the parent's methods use (the parent's constructor
    would only build a pool to throw away). The registry tests run through it.
    """

    def __init__(
        self, context: ssl.SSLContext, authority: str, *, secure: bool, per_host: int
    ) -> None:
        host, port = tls.split_authority(authority)
        self._origin = (host, port or (443 if secure else 80))
        self._backend = netio.AsyncioBackend()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=per_host,
            max_keepalive_connections=per_host,
            keepalive_expiry=httpx.Limits().keepalive_expiry,
            http2=secure,
            network_backend=self._backend,
        )

    def warm(self, count: int) -> None:
        self._backend.warm(*self._origin, count)

    async def aclose(self) -> None:
        await self._backend.close_spares()
        await super().aclose()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        # httpx's transport closes its pool here without calling aclose (and an
        # AsyncClient used as a context manager closes its transport this way).
        await self._backend.close_spares()
        await super().__aexit__(exc_type, exc_value, traceback)


class RoutingTransport(httpx.AsyncBaseTransport):
    def __init__(
        self, factory: TransportFactory, concurrency: int, per_host: int, stats: RunStats
    ) -> None:
        self._factory = factory
        self._global = asyncio.Semaphore(concurrency)
        self._per_host = per_host
        self._transports: dict[tuple[str, str], httpx.AsyncBaseTransport] = {}
        #: Per host, whatever the scheme: the bound is on what the server serves at once.
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._stats = stats

    def _transport(self, scheme: str, authority: str) -> httpx.AsyncBaseTransport:
        transport = self._transports.get((scheme, authority))
        if transport is None:
            transport = self._transports[(scheme, authority)] = self._factory(scheme, authority)
        return transport

    def _host_slots(self, authority: str) -> asyncio.Semaphore:
        slots = self._slots.get(authority)
        if slots is None:
            slots = self._slots[authority] = asyncio.Semaphore(self._per_host)
        return slots

    def warm(self, scheme: str, authority: str, count: int) -> None:
        """Open ``count`` connections to the origin ahead of the requests about to need
        them (see :meth:`netio.AsyncioBackend.warm`); only where netio serves the origin."""
        if count <= 0:
            return
        transport = self._transport(scheme, authority.lower())
        if isinstance(transport, _Direct):
            transport.warm(count)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        authority = request.url.netloc.decode("ascii").lower()
        transport = self._transport(request.url.scheme, authority)
        host_slots = self._host_slots(authority)
        # The host's slot first: waiting for a busy host must not hold a global slot.
        async with host_slots, self._global:
            self._stats.requests += 1
            exchange = limits.exchange(transport, request)
            if self._stats.tracer is None:
                return await exchange
            return await trace.timed(self._stats.tracer, request, exchange)

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()
