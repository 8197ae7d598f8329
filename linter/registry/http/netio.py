"""The sockets under every direct registry connection: plain asyncio transports and protocols.

Both HTTP layers run on these streams: imagepin's own HTTP/1.1 (``http1``) and
httpcore's pool for TLS origins (``secure``, through httpcore's public
network-backend interface). anyio's stream layer, httpcore's default, cost more CPU
than the HTTP itself here: a cancel scope on every read and write, and on every
check of an idle connection a dict of socket attributes (a ``getpeername`` call)
and a poll of the socket. Here a read that finds bytes buffered returns them
without a timer, and the idle check reads three attributes.

The idle check needs no system call because the event loop reads every socket it
holds as soon as something arrives: a server's close or unasked bytes reach the
protocol within one turn of the loop (httpcore's own check, a ``poll`` of the
socket, narrows the same race only to the moment of the poll).

Connection, read and write errors and timeouts raise this module's exceptions
(named as httpcore's, which ``secure`` maps them to); TLS is asyncio's (the
context decides what is verified); an idle connection counts as readable (so a
pool drops it) when the server closed it or sent anything unasked. This module
imports neither httpx nor httpcore.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import ssl

    from linter.registry.http.ahead import SentAhead

T = TypeVar("T")
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)

#: Reading pauses while this much is buffered unread (answers are capped far lower
#: above this layer; this bounds what a misbehaving server can make us hold).
_HIGH_WATER = 1024 * 1024
#: A larger write goes to the transport in pieces of this size (see ``Stream.write``).
_WRITE_CHUNK = 64 * 1024


class NetworkError(Exception):
    """A connection that could not be made, read or written (or not in time)."""


class ConnectError(NetworkError):
    pass


class ConnectTimeout(NetworkError):
    pass


class ReadError(NetworkError):
    pass


class ReadTimeout(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class WriteTimeout(NetworkError):
    pass


class _Protocol(asyncio.Protocol):
    """Buffers what arrives and wakes the one reader or writer waiting."""

    def __init__(self, received: bytes = b"") -> None:
        #: ``received``: what a connection adopted had read before (``ahead``).
        self.buffer = bytearray(received)
        self.eof = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None
        self._reading_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self._reading_paused = True
        self._wake_reader()

    def eof_received(self) -> None:
        # Returning None lets the transport close: HTTP has nothing to send after this.
        self.eof = True
        self._wake_reader()

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = self.error or exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        if len(self.buffer) <= max_bytes:
            data = bytes(self.buffer)
            self.buffer.clear()
        else:
            data = bytes(self.buffer[:max_bytes])
            del self.buffer[:max_bytes]
        if self._reading_paused and len(self.buffer) <= _HIGH_WATER // 4:
            self._reading_paused = False
            if self.transport is not None:
                self.transport.resume_reading()
        return data

    async def readable(self, timeout: float | None) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await _bounded(self._readable, timeout)
        finally:
            self._readable = None

    async def writable(self, timeout: float | None) -> None:
        if self._writable is not None:
            await _bounded(asyncio.shield(self._writable), timeout)

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)


async def _bounded(waiter: Awaitable[T], timeout: float | None) -> T:
    """``await waiter``, raising TimeoutError after ``timeout`` seconds (None: never)."""
    future = asyncio.ensure_future(waiter)
    if timeout is None:
        return await future
    handle = asyncio.get_running_loop().call_later(timeout, _expire, future)
    try:
        return await future
    finally:
        handle.cancel()


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


#: httpcore's names for the connection's details -> asyncio's.
_EXTRA_INFO = {
    "ssl_object": "ssl_object",
    "client_addr": "sockname",
    "server_addr": "peername",
    "socket": "socket",
}


class Stream:
    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol

    @property
    def _transport(self) -> asyncio.Transport:
        # The protocol's: after start_tls it is the TLS transport.
        transport = self._protocol.transport
        assert transport is not None  # set when the connection is made
        return transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            try:
                await protocol.readable(timeout)
            except TimeoutError:
                raise ReadTimeout("timed out reading from the server") from None
        if protocol.buffer:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if len(buffer) <= _WRITE_CHUNK:
            await self._write(buffer, timeout)
            return
        # asyncio's TLS transport encrypts all that one write hands it straight into the
        # socket transport's buffer, and pauses us only for what is left in its own: a
        # large buffer written at once would never wait for the server nor time out. So
        # it goes in pieces, each once the transport is writable, all within the timeout.
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_CHUNK):
            left = None if deadline is None else max(0.0, deadline - loop.time())
            await self._write(view[start : start + _WRITE_CHUNK], left)

    async def _write(self, data: bytes | memoryview, timeout: float | None) -> None:
        if self._transport.is_closing():
            raise WriteError("the connection is closed")
        self._transport.write(data)
        try:
            await self._protocol.writable(timeout)
        except TimeoutError:
            raise WriteTimeout("timed out writing to the server") from None

    def close(self) -> None:
        """Close without waiting: what is queued is still sent (a pool dropping a connection)."""
        self._transport.close()

    async def aclose(self) -> None:
        # Like httpcore's anyio backend: close, give the loop one turn to send what is
        # queued, then drop the connection (a TLS close_notify is not waited for).
        if not self._transport.is_closing():
            self._transport.close()
            await asyncio.sleep(0)
        self._transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> Stream:
        loop = asyncio.get_running_loop()
        handshake = loop.start_tls(
            self._transport,
            self._protocol,
            ssl_context,
            server_hostname=server_hostname,
            ssl_handshake_timeout=timeout,
        )
        try:
            secured = await _connecting(handshake, timeout)
        except BaseException:
            self._transport.abort()
            raise
        if secured is None:
            raise ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = secured
        return Stream(self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            protocol = self._protocol
            return bool(protocol.buffer) or protocol.eof or self._transport.is_closing()
        name = _EXTRA_INFO.get(info)
        return None if name is None else self._transport.get_extra_info(name)


class Unconnectable(ConnectError):
    """An address that cannot be connected to at all: a port out of range, a bad host name."""


async def _connecting(step: Awaitable[T], timeout: float | None) -> T:
    """``step`` (a connection or TLS handshake) with this module's errors for its failures."""
    try:
        return await asyncio.wait_for(step, timeout)
    except asyncio.TimeoutError:
        raise ConnectTimeout("timed out connecting") from None
    except (OSError, EOFError) as error:  # ssl.SSLError is an OSError
        raise ConnectError(str(error) or type(error).__name__) from error
    except (OverflowError, UnicodeError) as error:
        # A host or port no connection can be made to (a redirect's port 99999, a
        # label IDNA refuses): it never will be, so no retry either.
        raise Unconnectable(str(error)) from error


class Connector:
    """Opens the streams: on demand, or ahead of the requests that will need them (warm)."""

    def __init__(self, ahead: SentAhead | None = None) -> None:
        #: (host, port) -> connections being opened ahead (see warm), oldest first.
        self._spare: dict[tuple[str, int], deque[asyncio.Future[Stream]]] = {}
        #: Connections opened (asked for), ahead or on demand: what the tests count.
        self.opened = 0
        #: The run's first request, sent before the event loop ran (``ahead``), and the
        #: connections the thread opens after it.
        self._ahead = ahead

    def sent_ahead(self, host: str, port: int, method: str, target: bytes) -> SentAhead | None:
        """The request sent ahead to ``host:port``, when it is ``method target``: once."""
        ahead = self._ahead
        return ahead if ahead is not None and ahead.claim((host, port), method, target) else None

    async def adopt(self, ahead: SentAhead) -> Stream | None:
        """The connection ``ahead`` sent its request on, with what it read of the answer;
        None when it could not send it."""
        await ahead.answered.wait()
        if ahead.sock is None:
            return None
        return await self._adopted(ahead.sock, ahead.received)

    async def _adopted(self, sock: socket.socket, received: bytes = b"") -> Stream:
        self.opened += 1
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: _Protocol(received), sock=sock)
        return Stream(protocol)

    def warm(self, host: str, port: int, count: int) -> None:
        """Start opening ``count`` connections to ``host:port`` for :meth:`connect_tcp` to
        hand out. Over HTTP/1.1 a connection serves one request in flight, and each costs
        a round trip before its request can leave; opened while the requests still wait
        for something else (their tokens), they are ready when the requests are."""
        spare = self._spare.setdefault((host, port), deque())
        for _ in range(count):
            spare.append(asyncio.ensure_future(self._open(host, port, None, None)))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> Stream:
        stream = None if local_address else await self._spare_stream(host, port, timeout)
        if stream is None:
            stream = await self._open(host, port, timeout, local_address)
        sock = stream.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return stream

    async def _spare_stream(self, host: str, port: int, timeout: float | None) -> Stream | None:
        """A connection opened ahead to ``host:port`` that is still good, if there is one."""
        early = self._ahead.opening((host, port)) if self._ahead is not None else None
        if early is not None:
            await early.ready.wait()
            if early.sock is not None:
                return await self._adopted(early.sock)
        spare = self._spare.get((host, port))
        while spare:
            opening = spare.popleft()
            try:
                stream = await asyncio.wait_for(opening, timeout)
            except asyncio.TimeoutError:
                raise ConnectTimeout("timed out connecting") from None
            except ConnectError:
                continue  # a connection of our own will say why, or succeed
            if not stream.get_extra_info("is_readable"):
                return stream
            await stream.aclose()  # closed by the server while it waited
        return None

    async def _open(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> Stream:
        self.opened += 1
        loop = asyncio.get_running_loop()
        factory: Callable[[], _Protocol] = _Protocol
        local = (local_address, 0) if local_address else None
        _, protocol = await _connecting(
            loop.create_connection(factory, host, port, local_addr=local), timeout
        )
        return Stream(protocol)

    async def close_spares(self) -> None:
        """Close the connections opened ahead that no request took."""
        if self._ahead is not None:
            self._ahead.close()
        opening = [future for spare in self._spare.values() for future in spare]
        self._spare.clear()
        for future in opening:
            future.cancel()
        for outcome in await asyncio.gather(*opening, return_exceptions=True):
            if isinstance(outcome, Stream):
                await outcome.aclose()
