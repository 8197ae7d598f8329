"""The HTTP layer under the client: one pooled transport per origin, bounded and counted.

A plain-HTTP origin gets imagepin's own HTTP/1.1 pool (``http1``); a TLS origin
httpcore's, with its TLS context (certs.d CAs, insecure hosts) and HTTP/2 when
the server offers it (``secure``); both on netio's sockets. An origin reached
through a proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) gets httpx's own transport.
Every exchange holds a slot of the global and of its host's semaphore only while
it is in flight, so token requests made between two registry exchanges can never
deadlock against them.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable, Collection

import httpx

from linter.registry import trace
from linter.registry.http import limits, netio, tls
from linter.registry.stats import RunStats

#: (scheme, host[:port]) -> the transport for that origin.
TransportFactory = Callable[[str, str], httpx.AsyncBaseTransport]


def pooled_transports(
    insecure: Collection[str], per_host: int, connector: netio.Connector | None = None
) -> TransportFactory:
    """A factory of real transports, honouring HTTPS_PROXY/HTTP_PROXY/NO_PROXY; the direct
    ones open their connections with ``connector`` (which may hold some opened ahead)."""
    proxies = urllib.request.getproxies_environment()
    shared = connector or netio.Connector()

    def make(scheme: str, authority: str) -> httpx.AsyncBaseTransport:
        host, port = tls.split_authority(authority)
        proxy = None
        # proxy_bypass reads NO_PROXY (the environment) on Linux.
        if not tls.is_loopback(host) and not urllib.request.proxy_bypass(host):
            proxy = proxies.get(scheme)
        secure = scheme == "https"
        if proxy is None and not secure:
            from linter.registry.http.http1 import Http1Transport

            return Http1Transport(host, port or 80, max_connections=per_host, connector=shared)
        # A plain-HTTP origin needs no CA store (loading it costs tens of milliseconds
        # before a local registry's first answer); a context without CAs fails closed.
        context = tls.ssl_context(authority, insecure) if secure else tls.no_trust_context()
        if proxy is None:
            from linter.registry.http.secure import SecureTransport

            return SecureTransport(context, max_connections=per_host, connector=shared)
        return httpx.AsyncHTTPTransport(
            verify=context,
            http2=secure,
            limits=httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host),
            proxy=proxy,
            trust_env=False,
        )

    return make


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
        them (see :meth:`netio.Connector.warm`); only for imagepin's own HTTP/1.1 pool."""
        if count <= 0:
            return
        from linter.registry.http.http1 import Http1Transport

        transport = self._transport(scheme, authority.lower())
        if isinstance(transport, Http1Transport):
            transport.warm(count)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            # A redirect to file:// or ftp:// would reach the HTTP/1.1 pool as a host and port.
            message = f"Request URL has an unsupported protocol '{request.url.scheme}://'."
            raise httpx.UnsupportedProtocol(message, request=request)
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
