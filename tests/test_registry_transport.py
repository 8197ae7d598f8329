from __future__ import annotations

import asyncio
import ssl
from collections import Counter

import httpx
import pytest

from linter.registry.stats import RunStats
from linter.registry.transport import RoutingTransport, pooled_transports


class Slow:
    """A handler that stays in flight until ``expected`` are in flight (or a second passed),
    recording the most in flight at once, per host and in all."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total_peak = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.in_flight[host] += 1
        self.peak[host] = max(self.peak[host], self.in_flight[host])
        self.total_peak = max(self.total_peak, sum(self.in_flight.values()))
        for _ in range(100):
            if self.total_peak >= self.expected:
                break
            await asyncio.sleep(0.01)
        self.in_flight[host] -= 1
        return httpx.Response(200)


@pytest.mark.parametrize(("concurrency", "per_host"), [(4, 2), (6, 6), (1, 1), (32, 16)])
def test_bounds_and_counts(concurrency: int, per_host: int) -> None:
    handler = Slow(min(concurrency, 3 * per_host))
    stats = RunStats()
    made: list[str] = []

    def factory(scheme: str, authority: str) -> httpx.AsyncBaseTransport:
        made.append(f"{scheme}://{authority}")
        return httpx.MockTransport(handler)

    async def run() -> None:
        transport = RoutingTransport(factory, concurrency, per_host, stats)
        async with httpx.AsyncClient(transport=transport) as client:
            await asyncio.gather(
                *(
                    client.get(f"{scheme}://{host}.example/{i}")
                    for host in "abc"
                    for i in range(20)
                    for scheme in ["http" if i % 2 else "https"]
                )
            )

    asyncio.run(run())
    assert stats.requests == 60
    # One pool per origin; the bounds per host, whatever the scheme.
    assert sorted(made) == sorted(f"{s}://{h}.example" for h in "abc" for s in ("http", "https"))
    assert max(handler.peak.values()) <= per_host
    assert handler.total_peak <= concurrency
    assert handler.total_peak == min(concurrency, 3 * per_host)


def pool_kind(transport: httpx.AsyncBaseTransport) -> str:
    return type(transport._pool).__name__  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("environ", "authority", "kind"),
    [
        ({}, "reg.example", "AsyncConnectionPool"),
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, "reg.example", "AsyncHTTPProxy"),
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, "127.0.0.1:5000", "AsyncConnectionPool"),
        (
            {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "reg.example"},
            "reg.example",
            "AsyncConnectionPool",
        ),
    ],
)
def test_proxies_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], authority: str, kind: str
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert pool_kind(pooled_transports((), 4)("https", authority)) == kind


def test_plain_http_origins_load_no_ca_store() -> None:
    transport = pooled_transports((), 4)("http", "127.0.0.1:5000")
    context = transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode is ssl.CERT_REQUIRED
