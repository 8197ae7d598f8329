"""imagepin's own HTTP/1.1 transport for plain-HTTP origins: h11 on netio streams, one pool.

A plain-HTTP registry (loopback, a CI's local registry, a host listed insecure)
speaks HTTP/1.1, where a connection carries one exchange at a time. So the pool
is a list of idle connections and a queue of requests waiting for one: taking a
connection looks at one connection, not at all of them. httpcore's pool, used
before, re-examined every connection for every queued request on every change
(bookkeeping that grows with connections × waiting requests: ~150,000 idle checks
for 200 requests), created an event and a cancel scope per request, and imported
anyio, HTTP/2 and its synchronous twin on the way (~30 ms before a local
registry's first answer on the benchmark machine).

Only public interfaces: an ``httpx.AsyncBaseTransport``; h11 parses and frames
every message (a response head still incomplete past ``MAX_HEAD`` is refused); the sizes of bodies
and the time of whole exchanges are bounded above, by ``limits.exchange``. The
request's timeouts (httpx's ``connect``, ``read``, ``write``, ``pool``) bound each
step, and failures raise httpx's exceptions, as httpx's own transport does.

A connection goes back to the pool only when its exchange ended cleanly on both
sides (h11 says so: no ``Connection: close``, the whole body read); an idle one is
dropped when the server closed it or sent anything unasked (netio sees both
without a system call) or after ``KEEPALIVE`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator

import h11
import httpx

from linter.registry.http import netio
from linter.registry.http.ahead import MAX_HEAD

READ_SIZE = 64 * 1024
#: Seconds an idle connection is kept (httpx's default).
KEEPALIVE = 5.0

#: The exceptions below httpx -> httpx's, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (netio.ConnectTimeout, httpx.ConnectTimeout),
    (netio.ConnectError, httpx.ConnectError),
    (netio.ReadTimeout, httpx.ReadTimeout),
    (netio.ReadError, httpx.ReadError),
    (netio.WriteTimeout, httpx.WriteTimeout),
    (netio.WriteError, httpx.WriteError),
    (h11.RemoteProtocolError, httpx.RemoteProtocolError),
    (h11.LocalProtocolError, httpx.LocalProtocolError),
)
_LOWER = (netio.NetworkError, h11.ProtocolError)


def _mapped(exc: Exception) -> httpx.TransportError:
    kind = next(mapped for lower, mapped in _ERRORS if isinstance(exc, lower))
    return kind(str(exc) or type(exc).__name__)


class _Connection:
    """One HTTP/1.1 connection: h11's state machine over a netio stream."""

    __slots__ = ("idle_since", "state", "stream")

    def __init__(self, stream: netio.Stream) -> None:
        self.stream = stream
        self.state = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        """Idle, open, quiet and not kept past KEEPALIVE."""
        return now - self.idle_since < KEEPALIVE and not self.stream.get_extra_info("is_readable")

    async def send(
        self, request: httpx.Request, timeouts: dict[str, float | None], *, sent: bool = False
    ) -> h11.Response:
        """Send ``request`` (head and body in one write) and read the head of the answer;
        ``sent``: it was sent already (``ahead``), only the answer is read."""
        state = self.state
        head = h11.Request(
            method=request.method, target=request.url.raw_path, headers=request.headers.raw
        )
        parts = [state.send(head)]
        async for chunk in request.stream:  # type: ignore[union-attr]  # an async request
            if chunk:
                parts.append(state.send(h11.Data(data=chunk)))
        parts.append(state.send(h11.EndOfMessage()))
        if not sent:
            await self.stream.write(b"".join(p for p in parts if p), timeouts.get("write"))
        read = timeouts.get("read")
        while True:
            event = await self._next(read)
            if isinstance(event, h11.Response):
                return event
            # An informational (1xx) answer precedes the real one.

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        while True:
            event = await self._next(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return

    async def _next(self, timeout: float | None) -> object:
        """h11's next event (an ``h11.Event``, or its PAUSED sentinel), reading as needed."""
        state = self.state
        while True:
            event = state.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await self.stream.read(READ_SIZE, timeout)
            if not data and state.their_state is h11.SEND_RESPONSE:
                raise h11.RemoteProtocolError("the server closed the connection without answering")
            # b"" (the server closed) is what h11 expects to be told, too.
            state.receive_data(data)

    def reusable(self) -> bool:
        """Whether both sides ended the exchange cleanly; then the next one may start."""
        state = self.state
        if state.our_state is h11.DONE and state.their_state is h11.DONE:
            state.start_next_cycle()
            return True
        return False


class Http1Transport(httpx.AsyncBaseTransport):
    """The connections to one plain-HTTP origin, at most ``max_connections`` at once."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        max_connections: int,
        connector: netio.Connector | None = None,
    ) -> None:
        self._origin = (host, port)
        self._max = max_connections
        #: Shared by the run's transports: it holds the connections opened ahead.
        self.connector = connector or netio.Connector()
        self._idle: list[_Connection] = []
        #: Connections open or being opened, idle or in use.
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    def warm(self, count: int) -> None:
        """Open ``count`` connections ahead of the requests about to need them."""
        self.connector.warm(*self._origin, count)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        connection = await self._adopt(request)
        sent = connection is not None
        if connection is None:
            connection = await self._acquire(timeouts)
        try:
            head = await connection.send(request, timeouts, sent=sent)
        except BaseException as exc:
            self._release(connection, reusable=False)
            if isinstance(exc, _LOWER):
                raise _mapped(exc) from exc
            raise
        return httpx.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, connection, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    async def _adopt(self, request: httpx.Request) -> _Connection | None:
        """The connection ``request`` was already sent on before the pool existed (``ahead``:
        the run's first request, bare), or None."""
        if "authorization" in request.headers:
            return None
        ahead = self.connector.sent_ahead(*self._origin, request.method, request.url.raw_path)
        if ahead is None:
            return None
        stream = await self.connector.adopt(ahead)
        if stream is None:
            return None
        self._open += 1
        connection = _Connection(stream)
        if ahead.timed_out:
            # The thread waited the read timeout for the answer already: not again.
            self._release(connection, reusable=False)
            raise httpx.ReadTimeout("timed out reading from the server")
        return connection

    async def _acquire(self, timeouts: dict[str, float | None]) -> _Connection:
        """An idle connection, a new one, or the first to come free."""
        while True:
            if self._closed:
                raise httpx.ConnectError("the transport is closed")
            now = time.monotonic()
            while self._idle:
                connection = self._idle.pop()  # the most recent: the least likely closed
                if connection.usable(now):
                    return connection
                self._forget(connection)
            if self._open < self._max:
                return await self._connect(timeouts.get("connect"))
            await self._wait(timeouts.get("pool"))

    async def _wait(self, timeout: float | None) -> None:
        """Until a connection comes free (or can be opened), or PoolTimeout."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout("no connection came free in time") from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._wake()  # woken as it was cancelled: the turn goes to the next one
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def _connect(self, timeout: float | None) -> _Connection:
        self._open += 1
        try:
            stream = await self.connector.connect_tcp(*self._origin, timeout=timeout)
        except BaseException as exc:
            self._open -= 1
            self._wake()
            if isinstance(exc, netio.NetworkError):
                raise _mapped(exc) from exc
            raise
        return _Connection(stream)

    def _release(self, connection: _Connection, *, reusable: bool) -> None:
        if reusable and not self._closed:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            self._forget(connection)
        self._wake()

    def _forget(self, connection: _Connection) -> None:
        self._open -= 1
        connection.stream.close()

    def _wake(self) -> None:
        """Tell the first request still waiting to look again."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self._forget(connection)
        while self._waiters:
            self._wake()
        await self.connector.close_spares()


class _Body(httpx.AsyncByteStream):
    """The answer's body; its connection goes back to the pool when the body was read whole."""

    def __init__(self, pool: Http1Transport, connection: _Connection, timeout: float | None):
        self._pool = pool
        self._connection = connection
        self._timeout = timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._connection.body(self._timeout):
                yield chunk
        except BaseException as exc:
            self._finish(reusable=False)
            if isinstance(exc, _LOWER):
                raise _mapped(exc) from exc
            raise
        self._finish(reusable=self._connection.reusable())

    async def aclose(self) -> None:
        # Not read whole (or a failure): what is left of the body would come first on the
        # connection, so it cannot serve another request.
        self._finish(reusable=False)

    def _finish(self, *, reusable: bool) -> None:
        if not self._done:
            self._done = True
            self._pool._release(self._connection, reusable=reusable)
