""":mod:`linter.registry.http.netio`, the asyncio streams under every direct registry connection.

Every registry connection that does not go through a proxy runs over this module, so
its contract is checked here: reads honour ``max_bytes`` and end with ``b""``;
timeouts and failures raise netio's exceptions (ReadTimeout, WriteTimeout,
ConnectError, ConnectTimeout, ReadError, WriteError); reading pauses at the high-water
mark and resumes without losing or reordering a byte; writes wait for the transport to
drain; ``is_readable`` (a pool's idle check) sees a server's close and unasked bytes
but not TLS 1.3 session tickets; TLS verifies the CA and the host name. Through the
transports: imagepin's HTTP/1.1 pool reuses a live connection and drops a dead one,
and httpcore's pool for TLS origins runs on netio's streams (its public
``network_backend``). Connections opened ahead (``warm``) are handed out before new
ones, never when dead or to a caller binding its own local address, and closed or
cancelled by ``close_spares`` (which the transport's ``aclose`` calls);
``RoutingTransport.warm`` warms only the HTTP/1.1 transport its requests will use.

The sockets are real, on loopback, because what is under test is the interplay of the
protocol with the event loop and the kernel: when a close or unasked bytes reach the
protocol, how flow control behaves against finite kernel buffers, what asyncio's TLS
does, and which errors real sockets raise. A mock would only restate the code.

Each test runs its own event loop (``asyncio.run``; the project has no
pytest-asyncio) with servers from ``asyncio.start_server`` on 127.0.0.1, under an
outer ``asyncio.wait_for`` so that a hang fails fast instead of stalling the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import socket
import ssl
import struct
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from registry_server import make_certificates

from linter.registry.http import netio
from linter.registry.http.http1 import Http1Transport
from linter.registry.http.secure import SecureTransport
from linter.registry.http.transport import RoutingTransport, pooled_transports
from linter.registry.stats import RunStats

T = TypeVar("T")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

#: Seconds before a test's event loop gives up: far above what any test needs.
GUARD = 10.0
MiB = 1024 * 1024


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` in a fresh event loop, failing (not hanging) after GUARD seconds."""
    return asyncio.run(asyncio.wait_for(main, GUARD))


@dataclass(frozen=True)
class Tls:
    """A server context with the throw-away CA's certificate and a client trusting it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls_contexts(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    certificates = make_certificates(tmp_path_factory.mktemp("certs"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(certificates.cert_file, certificates.key_file)
    client = ssl.create_default_context(cafile=str(certificates.ca_file))
    return Tls(server, client)


@pytest.fixture(params=["tcp", "tls"])
def tls(request: pytest.FixtureRequest, tls_contexts: Tls) -> Tls | None:
    """Runs a test over plain TCP (None) and over TLS."""
    return tls_contexts if request.param == "tls" else None


@dataclass
class Server:
    """A running test server: its port, what it accepted, what its handlers raised."""

    port: int = 0
    accepted: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    handlers: list[asyncio.Task[Any]] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)


@contextlib.asynccontextmanager
async def serve(handler: Handler, tls: Tls | None = None) -> AsyncIterator[Server]:
    """Serve ``handler`` on 127.0.0.1 (over TLS with ``tls``). On exit, drop every
    connection, wait for the handlers to end and re-raise the first error one raised
    (handlers must end once their connection is gone)."""
    server = Server()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.accepted += 1
        server.writers.append(writer)
        server.handlers.append(cast("asyncio.Task[Any]", asyncio.current_task()))
        try:
            await handler(reader, writer)
        except Exception as error:
            server.errors.append(error)

    listening = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=tls.server if tls else None)
    server.port = listening.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listening.close()
        for writer in server.writers:
            writer.transport.abort()
        await listening.wait_closed()
        await asyncio.gather(*server.handlers)
    if server.errors:
        raise server.errors[0]


async def open_stream(
    port: int, tls: Tls | None = None, hostname: str = "localhost"
) -> netio.Stream:
    """A client connection to ``port`` through the backend under test (TLS with ``tls``)."""
    stream = await netio.Connector().connect_tcp("127.0.0.1", port, timeout=GUARD)
    if tls is None:
        return cast(netio.Stream, stream)
    try:
        secured = await stream.start_tls(tls.client, server_hostname=hostname, timeout=GUARD)
    except BaseException:
        await stream.aclose()
        raise
    return cast(netio.Stream, secured)


@contextlib.asynccontextmanager
async def connected(port: int, tls: Tls | None = None) -> AsyncIterator[netio.Stream]:
    stream = await open_stream(port, tls)
    try:
        yield stream
    finally:
        await stream.aclose()


async def read_all(stream: netio.Stream, chunk: int = 65536) -> bytes:
    """Everything until the server closes."""
    data = bytearray()
    while piece := await stream.read(chunk):
        data += piece
    return bytes(data)


async def idle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send nothing and read nothing (the kernel's buffers fill) until the connection ends."""
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send nothing; drain what comes until the client closes."""
    while await reader.read(65536):
        pass


# --- reads and writes --------------------------------------------------------------------


@pytest.mark.parametrize("max_bytes", [1, 4, 10, 100])
def test_round_trip(tls: Tls | None, max_bytes: int) -> None:
    message = b"0123456789"

    async def main() -> list[bytes]:
        closed = asyncio.Event()

        async def echo_then_close(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            writer.write(await reader.readexactly(len(message)))
            await writer.drain()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            closed.set()

        async with serve(echo_then_close, tls) as server, connected(server.port, tls) as stream:
            await stream.write(message)
            # Once the server has closed, the whole echo is in the kernel: the protocol
            # takes it in one piece, and a read hands out at most max_bytes of it.
            await closed.wait()
            first = await stream.read(max_bytes)
            rest = await stream.read(len(message))
            return [first, rest, await stream.read(max_bytes), await stream.read(max_bytes)]

    first, rest, end, again = run(main())
    assert first == message[:max_bytes]
    assert rest == message[max_bytes:]  # b"" (the end) when the first read took all
    assert end == again == b""


@pytest.mark.parametrize("timeout", [0, 0.05])
def test_read_times_out_and_the_stream_still_works(timeout: float) -> None:
    async def late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(2)
        writer.write(b"late")
        await until_closed(reader, writer)

    async def main() -> bytes:
        async with serve(late) as server, connected(server.port) as stream:
            with pytest.raises(netio.ReadTimeout):
                await stream.read(100, timeout=timeout)
            await stream.write(b"go")
            return await stream.read(100, timeout=GUARD)

    assert run(main()) == b"late"


def test_a_reset_connection_reads_as_read_error() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # SO_LINGER with a zero timeout: close() sends an RST, not a FIN.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def main() -> None:
        async with serve(reset) as server, connected(server.port) as stream:
            with pytest.raises(netio.ReadError):
                await stream.read(100)

    run(main())


def test_writing_to_a_connection_the_server_closed_raises_write_error() -> None:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def main() -> None:
        async with serve(close) as server, connected(server.port) as stream:
            assert await stream.read(100) == b""
            with pytest.raises(netio.WriteError):
                await stream.write(b"GET / HTTP/1.1\r\n\r\n")

    run(main())


# --- connecting ----------------------------------------------------------------------------


def test_connecting_to_a_closed_port_raises_connect_error() -> None:
    async def main() -> None:
        # A bound socket that does not listen: the kernel answers a connection with RST,
        # and no other process can take the port meanwhile.
        with socket.socket() as bound:
            bound.bind(("127.0.0.1", 0))
            with pytest.raises(netio.ConnectError):
                await netio.Connector().connect_tcp("127.0.0.1", bound.getsockname()[1])

    run(main())


def test_a_zero_connect_timeout_raises_connect_timeout() -> None:
    # asyncio.wait_for with no time left cancels the connection before it starts.
    async def main() -> None:
        async with serve(until_closed) as server:
            with pytest.raises(netio.ConnectTimeout):
                await netio.Connector().connect_tcp("127.0.0.1", server.port, timeout=0)

    run(main())


def skip_unless_full_queues_drop_syns() -> None:
    """Linux drops a SYN while the listen queue is full (unless tcp_abort_on_overflow), so
    a listener with backlog 0, one connection queued and none accepted never answers."""
    overflow = Path("/proc/sys/net/ipv4/tcp_abort_on_overflow")
    if sys.platform != "linux" or not overflow.exists() or overflow.read_text().strip() != "0":
        pytest.skip("needs Linux dropping SYNs on a full listen queue")


def test_an_unanswered_connection_raises_connect_timeout() -> None:
    skip_unless_full_queues_drop_syns()

    async def main() -> None:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            host, port = listener.getsockname()
            with (
                socket.create_connection((host, port), timeout=GUARD),
                pytest.raises(netio.ConnectTimeout),
            ):
                await netio.Connector().connect_tcp(host, port, timeout=0.2)

    run(main())


def test_an_unanswered_tls_handshake_raises_connect_timeout(tls_contexts: Tls) -> None:
    async def main() -> None:
        async with serve(idle) as server, connected(server.port) as stream:
            with pytest.raises(netio.ConnectTimeout):
                await stream.start_tls(tls_contexts.client, "localhost", timeout=0.1)

    run(main())


# --- the idle check and the other extra information ---------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "readable"), [("stays idle", False), ("closes", True), ("sends", True)]
)
def test_is_readable(tls: Tls | None, behaviour: str, readable: bool) -> None:
    async def main() -> tuple[bool, bool]:
        acted = asyncio.Event()

        async def act(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readexactly(2)  # the client has looked at the fresh connection
            if behaviour == "closes":
                writer.close()
            elif behaviour == "sends":
                writer.write(b"unasked")
            acted.set()
            await until_closed(reader, writer)

        async with serve(act, tls) as server, connected(server.port, tls) as stream:
            fresh = stream.get_extra_info("is_readable")
            await stream.write(b"go")
            await acted.wait()
            # A few turns of the loop for the close or the bytes (or, over TLS 1.3, the
            # server's session tickets, which must not count) to reach the protocol.
            await asyncio.sleep(0.05)
            return fresh, stream.get_extra_info("is_readable")

    fresh, later = run(main())
    assert fresh is False
    assert later is readable


def test_reading_the_unasked_bytes_makes_it_idle_again() -> None:
    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"unasked")
        await until_closed(reader, writer)

    async def main() -> None:
        async with serve(send) as server, connected(server.port) as stream:
            assert await stream.read(100) == b"unasked"
            assert stream.get_extra_info("is_readable") is False

    run(main())


def test_extra_info(tls: Tls | None) -> None:
    async def main() -> None:
        peers: list[tuple[str, int]] = []

        async def note_peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peers.append(writer.get_extra_info("peername"))
            await until_closed(reader, writer)

        async with serve(note_peer, tls) as server, connected(server.port, tls) as stream:
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", server.port)
            client_addr = stream.get_extra_info("client_addr")
            await stream.write(b"x")  # the server has accepted once it reads this
            while not peers:
                await asyncio.sleep(0.01)
            assert client_addr == peers[0]
            assert stream.get_extra_info("socket").fileno() >= 0
            assert stream.get_extra_info("no such thing") is None
            ssl_object = stream.get_extra_info("ssl_object")
            if tls is None:
                assert ssl_object is None
            else:
                assert isinstance(ssl_object, ssl.SSLObject)
                assert ssl_object.server_hostname == "localhost"

    run(main())


# --- flow control ----------------------------------------------------------------------------


def test_reading_pauses_at_the_high_water_mark_and_loses_nothing(tls: Tls | None) -> None:
    payload = os.urandom(8 * MiB)

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        writer.close()

    async def main() -> bytes:
        async with serve(flood, tls) as server, connected(server.port, tls) as stream:
            # Nothing read yet: the protocol pauses its transport past the mark...
            while stream._transport.is_reading():
                await asyncio.sleep(0.005)
            held = len(stream._protocol.buffer)
            assert netio._HIGH_WATER < held <= 2 * netio._HIGH_WATER
            # ...and stays paused while nothing is read.
            await asyncio.sleep(0.05)
            assert len(stream._protocol.buffer) == held
            return await read_all(stream)

    assert run(main()) == payload


def test_a_large_write_waits_for_a_slow_reader(tls: Tls | None) -> None:
    payload = os.urandom(16 * MiB)

    async def main() -> tuple[bytes, bool]:
        reading = asyncio.Event()

        async def slow_digest(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(0.05)  # let the client's write fill every buffer first
            reading.set()
            digest, left = hashlib.sha256(), len(payload)
            while left:
                chunk = await reader.read(min(left, 65536))
                if not chunk:
                    raise ConnectionError(f"the client closed with {left} bytes unsent")
                digest.update(chunk)
                left -= len(chunk)
            writer.write(digest.digest())
            await writer.drain()

        async with serve(slow_digest, tls) as server, connected(server.port, tls) as stream:
            await stream.write(payload, timeout=GUARD)
            # The kernel holds a few MiB at most: the write could only return after
            # pausing for the server to read.
            waited = reading.is_set()
            return await stream.read(100, timeout=GUARD), waited

    digest, waited = run(main())
    assert waited
    assert digest == hashlib.sha256(payload).digest()


def test_a_write_nobody_reads_raises_write_timeout(tls: Tls | None) -> None:
    async def main() -> None:
        async with serve(idle, tls) as server, connected(server.port, tls) as stream:
            with pytest.raises(netio.WriteTimeout):
                # Far more than the kernel's buffers hold (tcp_wmem and tcp_rmem).
                await stream.write(bytes(64 * MiB), timeout=0.1)

    run(main())


# --- closing ---------------------------------------------------------------------------------


def test_aclose_twice_and_the_server_sees_the_end(tls: Tls | None) -> None:
    async def main() -> bytes | str:
        seen: asyncio.Future[bytes | str] = asyncio.get_running_loop().create_future()

        async def watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(await first_read(reader))

        async with serve(watch, tls) as server:
            stream = await open_stream(server.port, tls)
            await stream.aclose()
            await stream.aclose()
            assert stream.get_extra_info("is_readable") is True
            return await seen

    assert run(main()) == b""


# --- TLS -------------------------------------------------------------------------------------


def test_tls_round_trip(tls_contexts: Tls) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def main() -> None:
        async with serve(echo, tls_contexts) as server:
            stream = await netio.Connector().connect_tcp("127.0.0.1", server.port)
            secured = await stream.start_tls(tls_contexts.client, "localhost", timeout=GUARD)
            try:
                assert secured.get_extra_info("ssl_object") is not None
                await secured.write(b"over TLS")
                assert await secured.read(100, timeout=GUARD) == b"over TLS"
            finally:
                await secured.aclose()

    run(main())


@pytest.mark.parametrize(
    ("trust", "hostname"),
    [("system CAs only", "localhost"), ("the test CA", "example.com")],
)
def test_tls_verification_failures_raise_connect_error(
    tls_contexts: Tls, trust: str, hostname: str
) -> None:
    context = tls_contexts.client if trust == "the test CA" else ssl.create_default_context()

    async def main() -> None:
        async with serve(until_closed, tls_contexts) as server:
            stream = await netio.Connector().connect_tcp("127.0.0.1", server.port)
            try:
                with pytest.raises(netio.ConnectError) as caught:
                    await stream.start_tls(context, hostname, timeout=GUARD)
            finally:
                await stream.aclose()
            assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)

    run(main())


# --- connections opened ahead (warm) ---------------------------------------------------------

LOOPBACK = "127.0.0.1"


def spares(backend: netio.Connector, port: int) -> list[asyncio.Future[netio.Stream]]:
    """The connections to 127.0.0.1:``port`` that ``backend`` holds opened ahead, oldest first."""
    return list(backend._spare.get((LOOPBACK, port), ()))


async def first_read(reader: asyncio.StreamReader) -> bytes | str:
    """What the server reads first from a client: bytes (b"" at its end), or the name of
    the error a reset raises."""
    try:
        return await reader.read(100)
    except ConnectionError as error:
        return type(error).__name__


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send back what comes until the client closes."""
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


async def round_trip(stream: netio.Stream) -> bytes:
    """What an ``echo`` server sends back of a ping: proof the connection works."""
    await stream.write(b"ping", timeout=GUARD)
    return await stream.read(100, timeout=GUARD)


def test_warmed_connections_are_handed_out_before_new_ones() -> None:
    async def main() -> None:
        async with serve(echo) as server:
            backend = netio.Connector()
            backend.warm(LOOPBACK, server.port, 3)
            while server.accepted < 3:  # all opened before anyone asks for a connection
                await asyncio.sleep(0.005)
            warmed = {writer.get_extra_info("peername") for writer in server.writers}
            streams = []
            try:
                for _ in range(4):
                    streams.append(await backend.connect_tcp(LOOPBACK, server.port, GUARD))
                    assert await round_trip(streams[-1]) == b"ping"
                # The first three are the warmed connections; only the fourth is new.
                clients = [stream.get_extra_info("client_addr") for stream in streams]
                assert set(clients[:3]) == warmed
                assert clients[3] not in warmed
                assert server.accepted == 4
                assert spares(backend, server.port) == []
            finally:
                for stream in streams:
                    await stream.aclose()

    run(main())


@pytest.mark.parametrize("behaviour", ["closes", "sends"])
def test_a_spare_the_server_gave_up_on_is_closed_and_skipped(behaviour: str) -> None:
    """A spare that the server closed, or sent unasked bytes on, while it waited is
    readable: it is closed (the server reads the end) and a new connection is made."""

    async def main() -> None:
        first = True
        dropped: asyncio.Future[bytes | str] = asyncio.get_running_loop().create_future()

        async def give_up_on_the_first(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            nonlocal first
            if not first:
                await echo(reader, writer)
                return
            first = False
            if behaviour == "closes":
                writer.close()
                return
            writer.write(b"unasked")
            dropped.set_result(await first_read(reader))

        async with serve(give_up_on_the_first) as server:
            backend = netio.Connector()
            backend.warm(LOOPBACK, server.port, 1)
            (opening,) = spares(backend, server.port)
            dead = await opening
            while not dead.get_extra_info("is_readable"):  # the close or the bytes arrived
                await asyncio.sleep(0.005)
            stream = await backend.connect_tcp(LOOPBACK, server.port, timeout=GUARD)
            try:
                assert stream is not dead
                assert await round_trip(stream) == b"ping"
                assert server.accepted == 2
                assert spares(backend, server.port) == []
                assert dead.get_extra_info("socket").fileno() == -1  # closed, not leaked
                if behaviour == "sends":
                    assert await dropped == b""
            finally:
                await stream.aclose()

    run(main())


def test_spares_that_failed_leave_the_error_to_a_connection_of_its_own() -> None:
    async def main() -> None:
        # A bound socket that does not listen: every connection to it is refused.
        with socket.socket() as bound:
            bound.bind((LOOPBACK, 0))
            port = bound.getsockname()[1]
            backend = netio.Connector()
            backend.warm(LOOPBACK, port, 2)
            with pytest.raises(netio.ConnectError):
                await backend.connect_tcp(LOOPBACK, port, timeout=GUARD)
            assert spares(backend, port) == []

    run(main())


def test_after_failed_spares_a_connection_of_its_own_can_succeed() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        with socket.socket() as listener:
            listener.bind((LOOPBACK, 0))
            port = listener.getsockname()[1]
            backend = netio.Connector()
            backend.warm(LOOPBACK, port, 2)
            failed = spares(backend, port)
            await asyncio.wait(failed)  # refused: nothing listened yet
            assert all(isinstance(f.exception(), netio.ConnectError) for f in failed)
            listener.listen(1)
            listener.setblocking(False)
            stream = await backend.connect_tcp(LOOPBACK, port, timeout=GUARD)
            try:
                connection, _ = await loop.sock_accept(listener)
                with connection:
                    connection.setblocking(False)
                    await stream.write(b"ping", timeout=GUARD)
                    assert await loop.sock_recv(connection, 100) == b"ping"
            finally:
                await stream.aclose()
            with pytest.raises(BlockingIOError):  # that was the only connection
                listener.accept()

    run(main())


def test_close_spares_closes_the_unused_and_cancels_the_unopened() -> None:
    async def main() -> None:
        reads: list[bytes | str] = []

        async def note_first_read(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            reads.append(await first_read(reader))

        async with serve(note_first_read) as server:
            backend = netio.Connector()
            backend.warm(LOOPBACK, server.port, 2)
            await asyncio.wait(spares(backend, server.port))
            while server.accepted < 2:
                await asyncio.sleep(0.005)
            backend.warm(LOOPBACK, server.port, 1)  # not started yet
            pending = spares(backend, server.port)[-1]
            await backend.close_spares()
            await backend.close_spares()  # nothing left: harmless
            assert pending.cancelled()
            assert spares(backend, server.port) == []
            await asyncio.gather(*server.handlers)  # the server read the end on both
            assert reads == [b"", b""]
            # Afterwards connections are new ones.
            stream = await backend.connect_tcp(LOOPBACK, server.port, timeout=GUARD)
            try:
                await stream.write(b"fresh", timeout=GUARD)
                while len(reads) < 3:
                    await asyncio.sleep(0.005)
                assert reads[2] == b"fresh"
                assert server.accepted == 3
            finally:
                await stream.aclose()

    run(main())


def test_close_spares_cancels_a_connection_still_being_opened() -> None:
    skip_unless_full_queues_drop_syns()

    async def main() -> None:
        with socket.socket() as listener:
            listener.bind((LOOPBACK, 0))
            listener.listen(0)
            host, port = listener.getsockname()
            with socket.create_connection((host, port), timeout=GUARD):
                backend = netio.Connector()
                backend.warm(host, port, 1)
                (opening,) = spares(backend, port)
                await asyncio.sleep(0.05)  # its SYN is dropped: it stays unanswered
                assert not opening.done()
                await asyncio.wait_for(backend.close_spares(), 1)
                assert opening.cancelled()

    run(main())


def test_a_given_local_address_never_takes_a_spare() -> None:
    async def main() -> None:
        async with serve(echo) as server:
            backend = netio.Connector()
            backend.warm(LOOPBACK, server.port, 1)
            (opening,) = spares(backend, server.port)
            spare = await opening
            bound = await backend.connect_tcp(
                LOOPBACK, server.port, timeout=GUARD, local_address=LOOPBACK
            )
            try:
                assert bound is not spare
                assert await round_trip(bound) == b"ping"
                assert server.accepted == 2
                assert spares(backend, server.port) == [opening]  # still there for others
                assert await backend.connect_tcp(LOOPBACK, server.port, GUARD) is spare
            finally:
                await bound.aclose()
                await spare.aclose()

    run(main())


# --- end to end through httpx ----------------------------------------------------------------


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


async def answer_ok(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    then_close: asyncio.Event | None = None,
) -> None:
    """HTTP/1.1 with keep-alive: 200 "ok" to every request, until the client closes; with
    ``then_close``, the server closes after its first answer and sets the event."""
    while True:
        try:
            await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return
        writer.write(OK)
        await writer.drain()
        if then_close is not None:
            writer.close()
            await writer.wait_closed()
            then_close.set()
            return


@pytest.mark.parametrize("server_closes_idle", [False, True])
def test_httpx_pool_over_netio(server_closes_idle: bool) -> None:
    """Two GETs share a live keep-alive connection; a connection the server closed
    while idle is dropped (``is_readable``) and the second GET opens a new one."""

    async def main() -> tuple[list[httpx.Response], int]:
        closed = asyncio.Event()

        http = functools.partial(answer_ok, then_close=closed if server_closes_idle else None)
        async with serve(http) as server:
            transport = pooled_transports((), 4)("http", f"127.0.0.1:{server.port}")
            assert isinstance(transport, Http1Transport)
            url = f"http://127.0.0.1:{server.port}/v2/"
            async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
                responses = [await client.get(url)]
                if server_closes_idle:
                    await closed.wait()
                    await asyncio.sleep(0.05)  # for the FIN to reach the idle connection
                responses.append(await client.get(url))
            assert transport.connector.opened == server.accepted
            return responses, server.accepted

    responses, accepted = run(main())
    assert [(r.status_code, r.content) for r in responses] == [(200, b"ok")] * 2
    assert [r.extensions["http_version"] for r in responses] == [b"HTTP/1.1"] * 2
    assert accepted == (2 if server_closes_idle else 1)


def test_httpcore_pool_over_netio_for_tls(tls_contexts: Tls) -> None:
    """A TLS origin's transport owns httpcore's pool, given netio's streams through
    httpcore's public ``network_backend``: the connections are netio's (counted by its
    connector), and two GETs share one. Fails the day httpcore stops using the backend
    it is given."""

    async def main() -> tuple[list[httpx.Response], int, int]:
        async with serve(answer_ok, tls_contexts) as server:
            transport = SecureTransport(tls_contexts.client, max_connections=4)
            url = f"https://localhost:{server.port}/v2/"
            async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
                responses = [await client.get(url), await client.get(url)]
            return responses, transport.connector.opened, server.accepted

    responses, opened, accepted = run(main())
    assert [(r.status_code, r.content) for r in responses] == [(200, b"ok")] * 2
    assert opened == accepted == 1


# --- warm connections through the transports ------------------------------------------------


def test_requests_at_once_over_a_warmed_direct_transport_take_the_spares() -> None:
    """Four GETs in flight at once (the server answers none before all four arrived)
    over three warmed connections: the three spares and one new connection."""

    async def main() -> tuple[list[int], int]:
        arrived = 0
        all_in = asyncio.Event()

        async def answer_all_at_once(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            nonlocal arrived
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                arrived += 1
                if arrived == 4:
                    all_in.set()
                await all_in.wait()
                writer.write(OK)
                await writer.drain()

        async with serve(answer_all_at_once) as server:
            transport = pooled_transports((), 4)("http", f"127.0.0.1:{server.port}")
            assert isinstance(transport, Http1Transport)
            transport.warm(3)
            url = f"http://127.0.0.1:{server.port}/v2/"
            async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
                responses = await asyncio.gather(*(client.get(url) for _ in range(4)))
            return [response.status_code for response in responses], server.accepted

    statuses, accepted = run(main())
    assert statuses == [200] * 4
    assert accepted == 4  # 3 warmed + 1, not 3 + 4


@pytest.mark.parametrize("closing", ["aclose", "async with"])
def test_closing_a_warmed_direct_transport_closes_its_unused_spares(closing: str) -> None:
    """Closed by ``aclose`` (as RoutingTransport does) or by leaving an AsyncClient's
    ``async with`` (httpx then calls the transport's ``__aexit__``, not ``aclose``)."""

    async def main() -> tuple[httpx.Response, int]:
        async with serve(answer_ok) as server:
            transport = pooled_transports((), 4)("http", f"127.0.0.1:{server.port}")
            assert isinstance(transport, Http1Transport)
            transport.warm(3)
            while server.accepted < 3:
                await asyncio.sleep(0.005)
            url = f"http://127.0.0.1:{server.port}/v2/"
            client = httpx.AsyncClient(transport=transport, trust_env=False)
            if closing == "aclose":
                response = await client.get(url)  # on the oldest spare
                await transport.aclose()
            else:
                async with client:
                    response = await client.get(url)
            # answer_ok returns only on the end of its connection (anything else is an
            # error serve raises): all three, the used one and the two spares, were closed.
            await asyncio.gather(*server.handlers)
            await client.aclose()
            return response, server.accepted

    response, accepted = run(main())
    assert (response.status_code, response.content) == (200, b"ok")
    assert accepted == 3  # the request took a spare: no connection of its own


def test_routing_transport_warms_the_direct_transport_its_requests_use() -> None:
    async def main() -> tuple[list[tuple[str, str]], int, int]:
        made: list[tuple[str, str]] = []
        pooled = pooled_transports((), 4)

        def factory(scheme: str, authority: str) -> httpx.AsyncBaseTransport:
            made.append((scheme, authority))
            return pooled(scheme, authority)

        async with serve(answer_ok) as server:
            authority = f"127.0.0.1:{server.port}"
            routing = RoutingTransport(factory, 4, 4, RunStats())
            routing.warm("http", authority, 0)
            routing.warm("http", authority, -1)
            assert made == []  # nothing to open: not even a transport is made
            await asyncio.sleep(0.05)
            unwarmed = server.accepted
            routing.warm("http", authority, 1)
            while server.accepted < 1:
                await asyncio.sleep(0.005)
            async with httpx.AsyncClient(transport=routing, trust_env=False) as client:
                response = await client.get(f"http://{authority}/v2/")
                assert response.status_code == 200
            await asyncio.gather(*server.handlers)
            return made, unwarmed, server.accepted

    made, unwarmed, accepted = run(main())
    assert unwarmed == 0
    assert len(made) == 1  # the request went through the transport that was warmed
    assert accepted == 1  # and took its spare


def test_routing_transport_does_not_warm_other_transports() -> None:
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    async def main() -> list[tuple[str, str]]:
        made: list[tuple[str, str]] = []

        def factory(scheme: str, authority: str) -> httpx.AsyncBaseTransport:
            made.append((scheme, authority))
            return httpx.MockTransport(record)

        routing = RoutingTransport(factory, 4, 4, RunStats())
        routing.warm("http", "Registry.Example:5000", 3)
        routing.warm("https", "registry.example", 2)
        await routing.aclose()
        return made

    made = run(main())
    assert calls == []
    # Warming names the transport as requests do: lower-cased, per scheme.
    assert made == [("http", "registry.example:5000"), ("https", "registry.example")]
