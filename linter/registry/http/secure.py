"""TLS origins: httpcore's connection pool (HTTP/2 when the registry offers it) on netio streams.

An ``httpx.AsyncBaseTransport`` that owns its ``httpcore.AsyncConnectionPool`` and
gives it netio's streams through httpcore's public network-backend interface;
requests and answers are translated between the two libraries here, with
httpx's exceptions for httpcore's. Everything used is public API of both (httpx
has no option for another network backend, so its own transport is not used:
the pool would have to be set through a private attribute). The TLS handshake is
asyncio's, verified by the context given (linter.registry.http.tls).

Imported only when a run meets a TLS registry: httpcore brings anyio and h2.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx

from linter.registry.http import netio
from linter.registry.http.netio import SocketOption

#: netio's exceptions -> httpcore's, for httpcore's pool to handle as its own.
_NETWORK: tuple[tuple[type[netio.NetworkError], type[Exception]], ...] = (
    (netio.ConnectTimeout, httpcore.ConnectTimeout),
    (netio.ConnectError, httpcore.ConnectError),
    (netio.ReadTimeout, httpcore.ReadTimeout),
    (netio.ReadError, httpcore.ReadError),
    (netio.WriteTimeout, httpcore.WriteTimeout),
    (netio.WriteError, httpcore.WriteError),
)
#: httpcore's exceptions -> httpx's, most specific first (as httpx's own transport maps them).
_HTTPX: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)

_HTTPCORE_ERRORS = tuple(ours for ours, _ in _HTTPX)


def _translated(
    exc: Exception, table: Iterable[tuple[type[Exception], type[Exception]]]
) -> Exception:
    kind = next(theirs for ours, theirs in table if isinstance(exc, ours))
    return kind(str(exc) or type(exc).__name__)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: netio.Stream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return await self._stream.read(max_bytes, timeout)
        except netio.NetworkError as exc:
            raise _translated(exc, _NETWORK) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            await self._stream.write(buffer, timeout)
        except netio.NetworkError as exc:
            raise _translated(exc, _NETWORK) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))
        except netio.NetworkError as exc:
            raise _translated(exc, _NETWORK) from exc

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, connector: netio.Connector) -> None:
        self._connector = connector

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            stream = await self._connector.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
        except netio.NetworkError as exc:
            raise _translated(exc, _NETWORK) from exc
        return _Stream(stream)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SecureTransport(httpx.AsyncBaseTransport):
    """The connections to one TLS origin: HTTP/2 when offered, at most ``max_connections``."""

    def __init__(
        self,
        context: ssl.SSLContext,
        *,
        max_connections: int,
        connector: netio.Connector | None = None,
    ) -> None:
        self.connector = connector or netio.Connector()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http2=True,
            network_backend=_Backend(self.connector),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        asked = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = await self._pool.handle_async_request(asked)
        except _HTTPCORE_ERRORS as exc:
            raise _translated(exc, _HTTPX) from exc
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
        await self.connector.close_spares()


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except _HTTPCORE_ERRORS as exc:
            raise _translated(exc, _HTTPX) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()
