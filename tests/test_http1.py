""":mod:`linter.registry.http.http1`, imagepin's HTTP/1.1 transport for plain-HTTP origins.

Real sockets on loopback, servers that write raw bytes: what is under test is how the
pool reads what a server does. A connection is reused only after a clean exchange
(not after ``Connection: close``, not after a body left unread, not after an error);
requests beyond ``max_connections`` wait for a connection and are served in turn, or
get PoolTimeout; informational answers are skipped; a server that closes without
answering (or mid-body), sends a head still incomplete past ``MAX_HEAD``, or sends
something else than HTTP raises httpx's protocol error, and the next request gets a
new connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from linter.registry.http.http1 import MAX_HEAD, Http1Transport

T = TypeVar("T")
Answer = Callable[[int], bytes]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def run(main: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(main, 10))


async def serving(
    answer: Answer,
    test: Callable[[str, list[int]], Awaitable[T]],
    *,
    hold: float = 0,
    close: bool = False,
) -> T:
    """Serve each request (the n-th of its connection) with ``answer(n)``, after ``hold``
    seconds (b"": close without answering; HTTP/1.0, or ``close``: close after it); run
    ``test(url, per_connection)``, where ``per_connection`` counts the requests each
    connection carried."""
    per_connection: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(per_connection)
        per_connection.append(0)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                per_connection[index] += 1
                await asyncio.sleep(hold)
                data = answer(per_connection[index])
                writer.write(data)
                await writer.drain()
                if close or not data or data.startswith(b"HTTP/1.0"):
                    break  # no answer; or an HTTP/1.0 body, which ends with the connection
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        return await test(f"http://127.0.0.1:{port}/v2/", per_connection)
    finally:
        server.close()


def client(url: str, connections: int = 4, pool: float | None = None) -> httpx.AsyncClient:
    host, port = url.split("/")[2].split(":")
    transport = Http1Transport(host, int(port), max_connections=connections)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=pool))


@pytest.mark.parametrize(
    ("answer", "per_connection"),
    [
        (OK, [3]),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", [1, 1, 1]),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + OK, [3]),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", [3]),
        # HTTP/1.0 without keep-alive: the body runs to the close.
        (b"HTTP/1.0 200 OK\r\n\r\nok", [1, 1, 1]),
    ],
)
def test_a_connection_is_reused_only_after_a_clean_exchange(
    answer: bytes, per_connection: list[int]
) -> None:
    async def test(url: str, counts: list[int]) -> list[int]:
        async with client(url) as http:
            for _ in range(3):
                response = await http.get(url)
                assert (response.status_code, response.content) == (200, b"ok")
        return counts

    assert run(serving(lambda _: answer, test)) == per_connection


def test_a_body_left_unread_closes_its_connection() -> None:
    async def test(url: str, counts: list[int]) -> list[int]:
        async with client(url) as http:
            async with http.stream("GET", url):
                pass  # not read
            assert (await http.get(url)).content == b"ok"
        return counts

    assert run(serving(lambda _: OK, test)) == [1, 1]


def test_requests_beyond_the_connections_wait_their_turn() -> None:
    async def test(url: str, counts: list[int]) -> list[int]:
        async with client(url, connections=2) as http:
            answers = await asyncio.gather(*(http.get(url) for _ in range(6)))
        assert [a.content for a in answers] == [b"ok"] * 6
        return counts

    assert sorted(run(serving(lambda _: OK, test, hold=0.02))) == [3, 3]


def test_waiting_too_long_for_a_connection_is_a_pool_timeout() -> None:
    async def test(url: str, counts: list[int]) -> type[BaseException] | None:
        async with client(url, connections=1, pool=0.05) as http:
            outcomes = await asyncio.gather(http.get(url), http.get(url), return_exceptions=True)
        failed = [type(o) for o in outcomes if isinstance(o, BaseException)]
        return failed[0] if failed == failed[:1] else None

    assert run(serving(lambda _: OK, test, hold=0.3)) is httpx.PoolTimeout


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"", "without answering"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 2 * MAX_HEAD + b"\r\n\r\n", "too long"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", "incomplete|closed"),
        (b"NOT HTTP\r\n\r\n", "illegal|invalid|status"),
    ],
)
def test_a_broken_answer_is_a_protocol_error(answer: bytes, error: str) -> None:
    async def test(url: str, counts: list[int]) -> None:
        async with client(url) as http:
            with pytest.raises(httpx.RemoteProtocolError, match=f"(?i){error}"):
                await http.get(url)
            # The broken connection is not reused: the next request gets a new one.
            assert (await http.get(url)).content == b"ok"
        assert counts == [1, 1]

    answers = iter([answer, OK])
    run(serving(lambda _: next(answers), test, close=True))


def test_a_closed_transport_refuses_requests() -> None:
    async def main() -> None:
        transport = Http1Transport("127.0.0.1", 9, max_connections=1)
        await transport.aclose()
        with pytest.raises(httpx.ConnectError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", "http://127.0.0.1:9/"))

    run(main())
