"""A run's first request to a plain-HTTP registry, sent on a thread before the HTTP stack loads.

Loading asyncio, httpx and the registry client on them takes tens of milliseconds
of CPU before a run's first request can leave, and a pre-commit hook checking one
image waits for little else. So :class:`SentAhead` connects on a thread, sends the
request the pool would send first (framed as the pool frames it) and reads the
head of the answer, while the main thread loads the rest. The pool adopts the
connection (``Http1Transport``): the answer is read from it as if the pool had sent
the request, so the server sees one request, as without this. When the answer
names further origins worth opening (``then``: the token server of a 401's
challenge), the thread starts connecting to them too, and the first connection
the run wants to such an origin is that one (``netio.Connector``).

Sockets and a thread only: this module imports neither asyncio nor httpx (it runs
before they load). Any failure leaves the pool to do it all, as without this.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

#: A response head is read up to this much here; the HTTP/1.1 pool refuses one still
#: incomplete past it (h11's default is 16 KiB; httpcore allows this much too).
MAX_HEAD = 100 * 1024
Origin = tuple[str, int]


class Signal:
    """Set once on a thread; awaited on an event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        with self._lock:
            self._set = True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)

    async def wait(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._lock:
            if self._set:
                return
            future = loop.create_future()
            self._waiters.append((loop, future))
        await future


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Opening:
    """A connection to an origin the thread started opening: the socket once it is open."""

    def __init__(self) -> None:
        self.ready = Signal()
        self.sock: socket.socket | None = None
        #: The run ended before it was taken: closed as soon as it is open.
        self.abandoned = False


class SentAhead:
    """``request`` (its bytes: ``method target``, bare) sent to ``host:port`` on a thread."""

    def __init__(
        self,
        host: str,
        port: int,
        method: str,
        target: str,
        request: bytes,
        *,
        timeout: float,
        then: Callable[[bytes], Sequence[Origin]],
    ) -> None:
        self.origin = (host, port)
        self.method = method
        self.target = target
        self._request = request
        self._timeout = timeout
        self._then = then
        #: Set when the thread is done with the connection (answered, failed or timed out).
        self.answered = Signal()
        #: The connection, the request sent on it; None when it could not be sent.
        self.sock: socket.socket | None = None
        #: What the server sent, up to the end of the answer's head.
        self.received = b""
        #: No answer's head within the timeout.
        self.timed_out = False
        #: Origins the answer named, each being opened.
        self.openings: dict[Origin, Opening] = {}
        self._lock = threading.Lock()
        self._claimed = False
        self._closed = False
        self._done = False

    def start(self) -> None:
        threading.Thread(target=self._run, name="imagepin-ahead", daemon=True).start()

    def claim(self, origin: Origin, method: str, target: bytes) -> bool:
        """Whether the pool's request ``method target`` to ``origin`` is this one (once)."""
        with self._lock:
            if self._claimed or self._closed or (origin, method) != (self.origin, self.method):
                return False
            self._claimed = target == self.target.encode("ascii")
            return self._claimed

    def opening(self, origin: Origin) -> Opening | None:
        """The connection being opened to ``origin``, when the answer named it (once)."""
        with self._lock:
            return None if self._closed else self.openings.pop(origin, None)

    def close(self) -> None:
        """The run is over: what the pool did not take is closed, now or when the thread is
        done with it."""
        with self._lock:
            self._closed = True
            for opening in self.openings.values():
                # Under the lock: the thread sets ``ready`` under it too (see _run).
                opening.abandoned = True
                if opening.ready.is_set() and opening.sock is not None:
                    opening.sock.close()
            self.openings = {}
            if not self._claimed and self._done:
                self._drop()

    def _run(self) -> None:
        try:
            self._exchange()
        except Exception:  # anything: the pool does it all, as without this
            self._drop()
        with self._lock:
            self._done = True
            if self._closed and not self._claimed:
                self._drop()
        self.answered.set()
        try:
            origins = self._then(self.received) if self.sock is not None else ()
        except Exception:  # a head it cannot read names no origin
            origins = ()
        with self._lock:
            todo = {} if self._closed else {o: Opening() for o in origins if o != self.origin}
            self.openings.update(todo)
        for origin, opening in todo.items():
            try:
                opening.sock = socket.create_connection(origin, timeout=self._timeout)
            except Exception:  # the run connects on its own
                opening.sock = None
            with self._lock:
                if opening.abandoned and opening.sock is not None:
                    opening.sock.close()
                opening.ready.set()

    def _exchange(self) -> None:
        sock = socket.create_connection(self.origin, timeout=self._timeout)
        self.sock = sock
        sock.sendall(self._request)
        received = bytearray()
        try:
            while b"\r\n\r\n" not in received and len(received) < MAX_HEAD:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            self.timed_out = True
        except OSError:
            pass  # a reset: the pool reads it again from the socket and says so
        self.received = bytes(received)

    def _drop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
