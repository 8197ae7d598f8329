"""A TCP proxy that adds latency: each direction is delayed by RTT/2, a new connection by one RTT.

Kernel netem is not available here, so this emulates a remote registry on
loopback. TLS passes through unchanged. Bounded: it serves only loopback and
stops when its owner stops it.

    python -m benchmarks.latency_proxy --listen 127.0.0.1:0 --target 127.0.0.1:5000 --rtt-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections import deque


class _DelayedPipe:
    """Copies reader -> writer, releasing each chunk ``delay`` seconds after it arrived."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: deque[tuple[float, bytes]] = deque()
        arrived = asyncio.Event()
        done = False

        async def receive() -> None:
            nonlocal done
            while chunk := await reader.read(65536):
                queue.append((time.monotonic() + self.delay, chunk))
                arrived.set()
            done = True
            arrived.set()

        receiver = asyncio.ensure_future(receive())
        try:
            while True:
                if not queue:
                    if done:
                        break
                    arrived.clear()
                    await arrived.wait()
                    continue
                due, chunk = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()
        finally:
            receiver.cancel()
            with contextlib.suppress(Exception):
                writer.write_eof()


class LatencyProxy:
    def __init__(self, target_host: str, target_port: int, rtt: float) -> None:
        self.target = (target_host, target_port)
        self.rtt = rtt
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        await asyncio.sleep(self.rtt)  # the TCP handshake of a remote host
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        half = _DelayedPipe(self.rtt / 2)
        await asyncio.gather(
            half.run(client_r, server_w), half.run(server_r, client_w), return_exceptions=True
        )
        for writer in (client_w, server_w):
            writer.close()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, host, port)
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
