"""The remote registry the benchmark talks to: ``docker-registry`` with Bearer token auth,
registry and token server each behind a latency proxy, filled with deterministic images.

The registry processes, the token server and the image builder are the test harness's
(``tests/registry_server.py``), imported rather than copied.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
# The harness lives with the tests, which pytest puts on the path; do the same here.
sys.path.insert(0, str(ROOT / "tests"))

from registry_server import (  # noqa: E402
    Registry,
    RegistryFarm,
    TokenServer,
    build_image,
)

from benchmarks.latency_proxy import LatencyProxy  # noqa: E402
from benchmarks.proxies import ProxyThread  # noqa: E402


@dataclass(frozen=True)
class PushedImage:
    repository: str
    tag: str
    digest: str


@dataclass(frozen=True)
class Traffic:
    """What one measured run cost the remote side."""

    registry_requests: int
    token_requests: int
    connections: int
    #: CPU seconds the rig used meanwhile (the registry process, and this process's
    #: threads: the latency proxies and the token server), on the cores the client had.
    rig_cpu: float = 0.0


class Mark(NamedTuple):
    registry: int
    tokens: int
    connections: int
    cpu: float


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far, from /proc."""
    # The fields after the command name, which may hold spaces: utime and stime are the
    # 14th and 15th of the line.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Rig:
    """Start with ``Rig(directory, rtt)``; ``host`` is the address clients must use."""

    def __init__(self, directory: Path, rtt: float) -> None:
        self.proxies = ProxyThread(rtt)
        self.farm = RegistryFarm(directory)
        self._token_proxy: LatencyProxy | None = None
        try:
            self.registry: Registry = self.farm.token(realm=self._realm)
            self._registry_proxy, port = self.proxies.front(self.registry.process.port)
        except BaseException:
            self.close()
            raise
        self.host = f"127.0.0.1:{port}"
        assert self.registry.token_server is not None
        self.token_server: TokenServer = self.registry.token_server

    def _realm(self, server: TokenServer) -> str:
        self._token_proxy, port = self.proxies.front(server.port)
        return f"http://127.0.0.1:{port}/token"

    def close(self) -> None:
        self.farm.close()
        self.proxies.close()

    def push(self, count: int) -> list[PushedImage]:
        """``count`` single-platform images, one repository each: ``bench/app-0000:1.0``…"""
        names = [(f"bench/app-{i:04d}", f"1.{i}") for i in range(count)]
        digests = self.farm.pusher.push_many(
            (repo, tag, build_image(f"bench-{i}")) for i, (repo, tag) in enumerate(names)
        )
        pairs = zip(names, digests, strict=True)
        return [PushedImage(repo, tag, digest) for (repo, tag), digest in pairs]

    def mark(self) -> Mark:
        assert self._token_proxy is not None
        connections = self._registry_proxy.connections + self._token_proxy.connections
        cpu = _cpu_of(self.registry.process.pid) + time.process_time()
        return Mark(self.registry.mark(), self.token_server.mark(), connections, cpu)

    def since(self, mark: Mark) -> Traffic:
        now = self.mark()
        return Traffic(
            len(self.registry.requests(mark.registry)),
            len(self.token_server.requests_since(mark.tokens)),
            now.connections - mark.connections,
            now.cpu - mark.cpu,
        )
