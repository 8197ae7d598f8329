"""Latency proxies for synchronous code: one event loop in a background thread runs them all."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from benchmarks.latency_proxy import LatencyProxy

T = TypeVar("T")


class ProxyThread:
    """Starts ``LatencyProxy``s on loopback and keeps them serving until ``close``."""

    def __init__(self, rtt: float) -> None:
        self.rtt = rtt
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._proxies: list[LatencyProxy] = []

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def front(self, target_port: int) -> tuple[LatencyProxy, int]:
        """A proxy in front of ``127.0.0.1:target_port``, and the port it listens on."""
        proxy = LatencyProxy("127.0.0.1", target_port, self.rtt)
        port = self._call(proxy.start())
        self._proxies.append(proxy)
        return proxy, port

    def close(self) -> None:
        for proxy in self._proxies:
            self._call(proxy.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
