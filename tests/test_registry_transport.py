from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from linter.registry.http.http1 import Http1Transport
from linter.registry.http.secure import SecureTransport
from linter.registry.http.transport import RoutingTransport, pooled_transports
from linter.registry.stats import RunStats


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


@pytest.mark.parametrize(
    ("environ", "scheme", "authority", "kind"),
    [
        ({}, "https", "reg.example", SecureTransport),
        ({}, "http", "reg.example:5000", Http1Transport),
        (
            {"HTTPS_PROXY": "http://proxy.example:3128"},
            "https",
            "reg.example",
            httpx.AsyncHTTPTransport,
        ),
        (
            {"HTTP_PROXY": "http://proxy.example:3128"},
            "http",
            "reg.example",
            httpx.AsyncHTTPTransport,
        ),
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, "https", "127.0.0.1:5000", SecureTransport),
        ({"HTTP_PROXY": "http://proxy.example:3128"}, "http", "127.0.0.1:5000", Http1Transport),
        (
            {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "reg.example"},
            "https",
            "reg.example",
            SecureTransport,
        ),
    ],
)
def test_the_transport_of_each_origin(
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    scheme: str,
    authority: str,
    kind: type[httpx.AsyncBaseTransport],
) -> None:
    """Direct plain HTTP: imagepin's HTTP/1.1 pool (no TLS context, so no CA store
    loaded); direct TLS: httpcore's pool on netio; through a proxy: httpx's transport."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert type(pooled_transports((), 4)(scheme, authority)) is kind
