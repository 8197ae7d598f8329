"""A TCP proxy that adds latency: each direction is delayed by RTT/2, a new connection by one RTT.

Kernel netem is not available here, so this emulates a remote registry on
loopback. TLS passes through unchanged. Bounded: it serves only loopback and
stops when its owner stops it.

It runs on the client's cores, so it is written to cost little CPU: asyncio
protocols, each chunk released by one timer per direction (not a task, an event
and a sleep per chunk, as streams would need).

    python -m benchmarks.latency_proxy --listen 127.0.0.1:0 --target 127.0.0.1:5000 --rtt-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import deque

#: Queued in place of a chunk (asyncio never hands over an empty one): the sender
#: half-closed its side (EOF), or closed it.
_EOF = b""
_CLOSE = None


class _Direction:
    """Bytes from one socket to the other, each chunk written ``delay`` seconds after it
    arrived; then the sender's EOF and close, delayed the same."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self.loop = loop
        self.delay = delay
        #: Where the bytes go; None until the proxy's connection to the target is made.
        self.to: asyncio.Transport | None = None
        self._queue: deque[tuple[float, bytes | None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def put(self, item: bytes | None) -> None:
        self._queue.append((self.loop.time() + self.delay, item))
        if self._timer is None and len(self._queue) == 1:
            self._timer = self.loop.call_at(self._queue[0][0], self.release)

    def release(self) -> None:
        """Write what is due (as soon as there is somewhere to write it)."""
        self._timer = None
        to = self.to
        if to is None:
            return
        now = self.loop.time()
        queue = self._queue
        while queue and queue[0][0] <= now:
            item = queue.popleft()[1]
            if item is _CLOSE:
                to.close()
            elif item == _EOF:
                if to.can_write_eof() and not to.is_closing():
                    to.write_eof()
            elif not to.is_closing():
                to.write(item)
        if queue:
            self._timer = self.loop.call_at(queue[0][0], self.release)


class _Side(asyncio.Protocol):
    """One of the two sockets of a proxied connection: what it reads goes ``out``; the
    peer's reading pauses while this side's writes are backed up. The client's side
    (``waits``) reads nothing until the proxy resumes it."""

    def __init__(self, out: _Direction, into: _Direction, *, waits: bool = False) -> None:
        self.out = out
        self.into = into
        self.waits = waits
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.into.to = transport
        if self.waits:
            transport.pause_reading()
        self.into.release()

    def data_received(self, data: bytes) -> None:
        self.out.put(data)

    def eof_received(self) -> bool:
        self.out.put(_EOF)
        return True  # keep writing the other direction until it is done too

    def connection_lost(self, exc: Exception | None) -> None:
        self.out.put(_CLOSE)

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class LatencyProxy:
    def __init__(self, target_host: str, target_port: int, rtt: float) -> None:
        self.target = (target_host, target_port)
        self.rtt = rtt
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None
        self._connecting: set[asyncio.Task[None]] = set()

    def _accept(self) -> _Side:
        """The client's side of a new connection. The client's bytes are read only once the
        target's side is connected, one RTT later (the TCP handshake of a remote host), so
        that its first request reaches the target 1.5 RTT after it connected, as it would."""
        self.connections += 1
        loop = asyncio.get_running_loop()
        upstream, downstream = _Direction(loop, self.rtt / 2), _Direction(loop, self.rtt / 2)
        client = _Side(upstream, downstream, waits=True)
        server = _Side(downstream, upstream)
        client.peer, server.peer = server, client

        async def connect() -> None:
            await asyncio.sleep(self.rtt)
            assert client.transport is not None
            try:
                await loop.create_connection(lambda: server, *self.target)
            except OSError:
                client.transport.close()
            else:
                client.transport.resume_reading()

        task = loop.create_task(connect())
        # The loop keeps only a weak reference to a task.
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)
        return client

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accept, host, port, backlog=128)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--target", required=True)
    parser.add_argument("--rtt-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    listen_host, listen_port = args.listen.rsplit(":", 1)
    target_host, target_port = args.target.rsplit(":", 1)
    if listen_host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the proxy listens on loopback only")

    async def serve() -> None:
        proxy = LatencyProxy(target_host, int(target_port), args.rtt_ms / 1000)
        port = await proxy.start(listen_host, int(listen_port))
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
