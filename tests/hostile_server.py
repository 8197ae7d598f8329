"""A registry that misbehaves on purpose, on a real loopback socket.

Each repository name is a behaviour: ``127.0.0.1:PORT/slow-body:1.0`` drips its
body a byte at a time, ``huge:1.0`` streams 100 MB, ``redirect-loop:1.0``
redirects to itself forever, and so on (``BEHAVIOURS`` lists them with what each
does). Raw sockets rather than http.server, so an answer can be as wrong as a
hostile server makes it: a status line and then nothing, a body that never ends.

``seen`` records every request (method, path, headers); ``sent`` counts the body
bytes written per behaviour, which shows where the client stopped reading.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from registry_server import OCI_CONFIG, OCI_MANIFEST, build_image, sha256

IMAGE = build_image("hostile")
USERNAME, PASSWORD = "mallory", "hostile-Pa55word-4242"
BASIC = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
HUGE = 100 * 1024 * 1024
#: A slow answer gives up after this long, so no thread outlives the tests for long.
DRIP_FOR = 30.0
DRIP_EVERY = 0.05

BEHAVIOURS = {
    "ok": "a correct registry",
    "lying-digest": "GET: a Docker-Content-Digest that is not the body's",
    "huge": "GET: a 100 MB body with its Content-Length",
    "huge-chunked": "GET: a 100 MB chunked body, no length",
    "gzip-bomb": "GET: a gzip body that inflates to 64 MiB, though identity was asked",
    "slow-headers": "a status line, then a byte of headers every 50 ms",
    "slow-body": "headers, then a byte of body every 50 ms",
    "silent": "reads the request and never answers",
    "reset": "closes the connection without an answer",
    "redirect-loop": "302 to the same URL, forever",
    "redirect-chain": "302 to a new URL each time, forever",
    "redirect-away": "Basic auth, then 307 to another host (localhost) that serves the manifest",
    "bad-json": "GET: a truncated JSON manifest",
    "wrong-type": "a config blob served as the manifest",
    "rate-limited": "429 with Retry-After: 1, always",
    "server-error": "500, always",
    "token-garbage": "Bearer challenge; the token endpoint answers HTML",
    "token-huge": "Bearer challenge; the token endpoint answers 100 MB",
    "token-slow": "Bearer challenge; the token endpoint drips its answer",
    "realm-link-local": "Bearer realm http://169.254.169.254/... (a cloud metadata service)",
    "realm-link-local-https": "Bearer realm https://169.254.169.254/token",
    "realm-decimal": "Bearer realm https://2852039166/token (169.254.169.254 in decimal)",
    "realm-public-http": "Bearer realm on plain HTTP on another host",
    "realm-port": "Bearer realm on port 99999 (out of range)",
    "token-deep": "Bearer challenge; the token endpoint answers JSON nested 100,000 levels deep",
    "token-crlf": 'Bearer challenge; the token endpoint answers {"token": "abc\\r\\nX-Injected: 1"}',
    "token-numbers": "Bearer challenge; a good token, expires_in a 500-digit integer, issued in year 1",
    "token-nan": "Bearer challenge; a good token, expires_in NaN, issued_at in year 9999",
    "token-wrong-types": "Bearer challenge; a good token with expires_in a string, issued_at a number",
    "error-deep": "GET: 404 whose error body is JSON nested 100,000 levels deep",
    "error-loud": "GET: 404 whose error code and message hold escape sequences and run 100 KB",
    "index-deep": "GET: a body nested 100,000 levels deep (the HEAD has no digest)",
    "index-wrong-types": "GET: an index whose sizes are 500-digit integers and whose platform "
    "fields are lists and objects",
    "retry-after-odd": "429 with Retry-After: ² (a digit to str.isdigit, not to float)",
    "redirect-bad-port": "302 to port 99999 on loopback",
    "length-huge": "GET: a Content-Length of 10**30",
    "retry-after-huge": "429 with Retry-After: a 5,000-digit number of seconds",
    "retry-after-date": "429 with Retry-After: an HTTP date in the year 9999",
    "redirect-bad-idna": "302 to https://xn--zz.example/ (a host name IDNA cannot decode)",
    "redirect-long-label": "302 to a host whose first label is 100 characters long",
    "redirect-file": "302 to file:///etc/passwd",
    "realm-huge": "Bearer realm 60,000 characters long",
    "realm-bad-idna": "Bearer realm https://xn--zz.example/token (a host name IDNA cannot decode)",
    "echo-in-header": "Basic auth, then the Authorization value echoed in an illegal header line",
    "echo-in-error": "Basic auth, then a 404 whose error message quotes the Authorization value",
    "echo-in-media-type": "Basic auth, then the Authorization value as the manifest's media type",
}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class HostileRegistry:
    """Start with ``HostileRegistry.start()``; ``stop()`` when done."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    _server: socketserver.ThreadingTCPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls) -> HostileRegistry:
        # Compressing the bomb takes longer than a test client's read timeout: not on a request.
        _gzip_bomb()
        registry = cls()
        server = _Server(("127.0.0.1", 0), _handler(registry))
        registry.port, registry._server = server.server_address[1], server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return registry

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ref(self, behaviour: str, tag: str = "1.0") -> str:
        assert behaviour in BEHAVIOURS, behaviour
        return f"{self.host}/{behaviour}:{tag}"

    def requests_to(self, behaviour: str) -> list[Seen]:
        """The requests for ``behaviour``: its manifests, its token endpoint, its redirects."""
        with self._lock:
            return [s for s in self.seen if _behaviour(s.path) == behaviour]

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _count(self, behaviour: str, size: int) -> None:
        with self._lock:
            self.sent[behaviour] += size


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]

    @property
    def behaviour(self) -> str:
        return _behaviour(self.path)


def _behaviour(path: str) -> str:
    match = re.match(r"/(?:v2|token|elsewhere)/([a-z-]+)", path)
    return match.group(1) if match else ""


class _Closed(Exception):
    """The client went away (or the answer ends the connection)."""


def _handler(registry: HostileRegistry) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            # A TLS ClientHello (https tried first on loopback): answer as a plain server does.
            if self.rfile.peek(1)[:1] == b"\x16":
                self._write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            try:
                while (request := self._read()) is not None:
                    registry._record(Seen(request.method, request.path, request.headers))
                    _answer(self, registry, request)
            except (_Closed, OSError):
                return

        def _read(self) -> _Request | None:
            line = self.rfile.readline(8192).decode("latin-1")
            if not line:
                return None
            method, path, _ = [*line.split(), "", "", ""][:3]
            headers = {}
            while (header := self.rfile.readline(8192).decode("latin-1").strip()) != "":
                name, _, value = header.partition(":")
                headers[name.strip().lower()] = value.strip()
            return _Request(method, path, headers)

        def _write(self, data: bytes) -> None:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError as exc:
                raise _Closed from exc

        def head(self, status: str, headers: dict[str, str]) -> None:
            lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
            self._write(("\r\n".join(lines) + "\r\n\r\n").encode())

        def reply(
            self,
            status: str,
            headers: dict[str, str] | None = None,
            body: bytes = b"",
            *,
            request: _Request,
        ) -> None:
            self.head(status, {"Content-Length": str(len(body)), **(headers or {})})
            if request.method != "HEAD" and body:
                self._write(body)
                registry._count(request.behaviour, len(body))

        def stream(self, chunks: Iterator[bytes], request: _Request) -> None:
            for chunk in chunks:
                self._write(chunk)
                registry._count(request.behaviour, len(chunk))

        def drip(self, data: bytes) -> None:
            """Write ``data`` a byte at a time, slowly; give up after DRIP_FOR seconds."""
            end = time.monotonic() + DRIP_FOR
            for byte in data:
                if time.monotonic() > end:
                    raise _Closed
                self._write(bytes([byte]))
                time.sleep(DRIP_EVERY)

    return Handler


def _zeros(total: int, chunked: bool) -> Iterator[bytes]:
    block = b"\0" * 65536
    for _ in range(total // len(block)):
        yield b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
    if chunked:
        yield b"0\r\n\r\n"


_BOMB: list[bytes] = []


def _gzip_bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9))
    return _BOMB[0]


def _manifest_headers(digest: bool = True) -> dict[str, str]:
    headers = {"Content-Type": OCI_MANIFEST}
    if digest:
        headers["Docker-Content-Digest"] = IMAGE.digest
    return headers


def _challenge(registry: HostileRegistry, realm: str) -> dict[str, str]:
    realm = realm.replace("SELF", f"http://{registry.host}")
    return {"WWW-Authenticate": f'Bearer realm="{realm}",service="hostile"'}


_REALMS = {
    "token-garbage": "SELF/token/token-garbage",
    "token-huge": "SELF/token/token-huge",
    "token-slow": "SELF/token/token-slow",
    "realm-link-local": "http://169.254.169.254/latest/meta-data/iam/",
    "realm-link-local-https": "https://169.254.169.254/token",
    "realm-decimal": "https://2852039166/token",
    "realm-public-http": "http://auth.example/token",
    "realm-port": "http://127.0.0.1:99999/token",
    "realm-huge": "https://auth.example/" + "a" * 60_000,
    "realm-bad-idna": "https://xn--zz.example/token",
    "token-deep": "SELF/token/token-deep",
    "token-crlf": "SELF/token/token-crlf",
    "token-numbers": "SELF/token/token-numbers",
    "token-nan": "SELF/token/token-nan",
    "token-wrong-types": "SELF/token/token-wrong-types",
}
#: What a token server answers that imagepin must refuse, or read past, unharmed.
TOKEN_CRLF = "abc\r\nX-Injected: 1"
DEEP = b"[" * 100_000 + b"]" * 100_000


def _answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    if request.path == "/v2/":
        handler.reply("200 OK", {"Content-Type": "application/json"}, b"{}", request=request)
    elif request.path.startswith("/token/"):
        _TOKEN_ANSWERS[request.behaviour](handler, registry, request)
    elif request.path.startswith("/elsewhere/"):
        handler.reply("200 OK", _manifest_headers(), IMAGE.manifest, request=request)
    elif request.behaviour in _REALMS and "authorization" not in request.headers:
        challenge = _challenge(registry, _REALMS[request.behaviour])
        handler.reply("401 Unauthorized", challenge, request=request)
    else:
        _ANSWERS.get(request.behaviour, _not_found)(handler, registry, request)


def _ok(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("200 OK", _manifest_headers(), IMAGE.manifest, request=request)


def _not_found(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("404 Not Found", {}, request=request)


def _lying_digest(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    headers = _manifest_headers(digest=False)
    if request.method == "GET":
        headers["Docker-Content-Digest"] = sha256(b"something else")
    handler.reply("200 OK", headers, IMAGE.manifest, request=request)


def _huge(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    if request.method == "HEAD":
        handler.reply("200 OK", _manifest_headers(digest=False), request=request)
        return
    chunked = request.behaviour == "huge-chunked"
    length = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(HUGE)}
    headers = {**_manifest_headers(digest=False), **length}
    handler.head("200 OK", headers)
    handler.stream(_zeros(HUGE, chunked), request)
    raise _Closed


def _gzip(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    if request.method == "HEAD":
        handler.reply("200 OK", _manifest_headers(digest=False), request=request)
        return
    headers = {**_manifest_headers(digest=False), "Content-Encoding": "gzip"}
    handler.reply("200 OK", headers, _gzip_bomb(), request=request)


def _slow_headers(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler._write(b"HTTP/1.1 200 OK\r\n")
    handler.drip(b"Content-Type: " + OCI_MANIFEST.encode() * 100)


def _slow_body(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.head("200 OK", {"Content-Type": OCI_MANIFEST, "Content-Length": "1000000"})
    handler.drip(b"{" + b" " * 999_999)


def _silent(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    time.sleep(DRIP_FOR)
    raise _Closed


def _reset(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    raise _Closed


def _redirect_loop(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    location = f"http://{registry.host}{request.path}"
    handler.reply("302 Found", {"Location": location}, request=request)


def _redirect_chain(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    hop = int(request.path.rpartition("/hop")[2] or 0) if "/hop" in request.path else 0
    location = f"http://{registry.host}/v2/redirect-chain/manifests/hop{hop + 1}"
    handler.reply("302 Found", {"Location": location}, request=request)


def _redirect_away(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    if request.headers.get("authorization") != BASIC:
        challenge = {"WWW-Authenticate": 'Basic realm="hostile"'}
        handler.reply("401 Unauthorized", challenge, request=request)
    elif request.method == "HEAD":
        handler.reply("200 OK", _manifest_headers(digest=False), request=request)
    else:
        location = f"http://localhost:{registry.port}/elsewhere/redirect-away/{IMAGE.digest}"
        handler.reply("307 Temporary Redirect", {"Location": location}, request=request)


def _bad_json(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    body = b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode()
    handler.reply("200 OK", _manifest_headers(digest=False), body, request=request)


def _wrong_type(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    body = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    headers = {"Content-Type": OCI_CONFIG, "Docker-Content-Digest": sha256(body)}
    handler.reply("200 OK", headers, body, request=request)


def _rate_limited(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("429 Too Many Requests", {"Retry-After": "1"}, b"slow down", request=request)


def _server_error(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("500 Internal Server Error", {}, b"oops", request=request)


def _token_garbage(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("200 OK", {"Content-Type": "text/html"}, b"<html>no</html>", request=request)


def _token_huge(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.head("200 OK", {"Content-Length": str(HUGE)})
    handler.stream(_zeros(HUGE, chunked=False), request)
    raise _Closed


def _token_slow(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.head("200 OK", {"Content-Length": "100000"})
    handler.drip(b'{"token": "' + b"a" * 99_989)


def _token_json(document: Any) -> Answer:
    """A token endpoint that answers ``document`` (bytes as they are, else as JSON)."""

    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        handler.reply("200 OK", {"Content-Type": "application/json"}, body, request=request)

    return answer


def _error(body: bytes) -> Answer:
    """HEAD: a manifest without a digest header (so a GET follows); GET: 404 with ``body``."""

    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        if request.method == "HEAD":
            handler.reply("200 OK", _manifest_headers(digest=False), request=request)
            return
        handler.reply("404 Not Found", {"Content-Type": "application/json"}, body, request=request)

    return answer


LOUD_ERROR = json.dumps(
    {
        "errors": [
            {"code": "\x1b[31mMANIFEST_UNKNOWN", "message": "\x1b]0;pwned\x07" + "x" * 100_000}
        ]
    }
).encode()


def _without_digest(body: bytes) -> Answer:
    """HEAD: a manifest type without a digest header; GET: ``body``."""

    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        headers = _manifest_headers(digest=False)
        handler.reply("200 OK", headers, body if request.method == "GET" else b"", request=request)

    return answer


ODD_INDEX = (
    b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": ['
    b'{"mediaType": 5, "digest": "' + IMAGE.digest.encode() + b'", "size": ' + b"9" * 500 + b","
    b' "platform": {"os": ["linux"], "architecture": {"a": 1}, "variant": 7}}]}'
)


def _odd_retry_after(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply("429 Too Many Requests", {"Retry-After": "\u00b2"}, request=request)


def _redirect_bad_port(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.reply(
        "302 Found", {"Location": f"http://127.0.0.1:99999{request.path}"}, request=request
    )


def _retry_after(value: str) -> Answer:
    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        handler.reply("429 Too Many Requests", {"Retry-After": value}, request=request)

    return answer


def _redirect_to(host: str) -> Answer:
    return _redirect_location(f"https://{host}", keep_path=True)


def _redirect_location(location: str, *, keep_path: bool = False) -> Answer:
    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        where = location + (request.path if keep_path else "")
        handler.reply("302 Found", {"Location": where}, request=request)

    return answer


def _echo(where: str) -> Answer:
    """Basic auth; then whatever Authorization value was sent comes back, ``where``."""

    def answer(handler: Any, registry: HostileRegistry, request: _Request) -> None:
        sent = request.headers.get("authorization")
        if sent is None:
            challenge = {"WWW-Authenticate": 'Basic realm="hostile"'}
            handler.reply("401 Unauthorized", challenge, request=request)
        elif where == "header":
            handler.reply("200 OK", {"X-Echo": sent + "\x00"}, request=request)
        elif where == "error":
            error = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": f"you sent {sent}"}]}
            handler.reply("404 Not Found", {}, json.dumps(error).encode(), request=request)
        else:
            body = json.dumps({"schemaVersion": 2, "mediaType": sent}).encode()
            handler.reply("200 OK", {"Content-Type": sent}, body, request=request)

    return answer


def _length_huge(handler: Any, registry: HostileRegistry, request: _Request) -> None:
    handler.head("200 OK", {**_manifest_headers(digest=False), "Content-Length": str(10**30)})
    if request.method == "GET":
        handler._write(IMAGE.manifest)
        raise _Closed


Answer = Callable[[Any, HostileRegistry, _Request], None]
_ANSWERS: dict[str, Answer] = {
    "ok": _ok,
    "lying-digest": _lying_digest,
    "huge": _huge,
    "huge-chunked": _huge,
    "gzip-bomb": _gzip,
    "slow-headers": _slow_headers,
    "slow-body": _slow_body,
    "silent": _silent,
    "reset": _reset,
    "redirect-loop": _redirect_loop,
    "redirect-chain": _redirect_chain,
    "redirect-away": _redirect_away,
    "bad-json": _bad_json,
    "wrong-type": _wrong_type,
    "rate-limited": _rate_limited,
    "server-error": _server_error,
    **dict.fromkeys(_REALMS, _ok),
    "error-deep": _error(b'{"errors": ' + DEEP + b"}"),
    "error-loud": _error(LOUD_ERROR),
    "index-deep": _without_digest(DEEP),
    "index-wrong-types": _without_digest(ODD_INDEX),
    "retry-after-odd": _odd_retry_after,
    "redirect-bad-port": _redirect_bad_port,
    "length-huge": _length_huge,
    "retry-after-huge": _retry_after("9" * 5000),
    "retry-after-date": _retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
    "redirect-bad-idna": _redirect_to("xn--zz.example"),
    "redirect-long-label": _redirect_to("a" * 100 + ".example"),
    "redirect-file": _redirect_location("file:///etc/passwd"),
    "echo-in-header": _echo("header"),
    "echo-in-error": _echo("error"),
    "echo-in-media-type": _echo("media type"),
}
_TOKEN_ANSWERS: dict[str, Answer] = {
    "token-garbage": _token_garbage,
    "token-huge": _token_huge,
    "token-slow": _token_slow,
    "token-deep": _token_json(DEEP),
    "token-crlf": _token_json({"token": TOKEN_CRLF}),
    # Numbers json.dumps would not write: the bodies are spelled out.
    "token-numbers": _token_json(
        b'{"token": "good-token-1", "expires_in": ' + b"9" * 500 + b', "issued_at": "0001-01-01"}'
    ),
    "token-nan": _token_json(
        b'{"token": "good-token-2", "expires_in": NaN, "issued_at": "9999-12-31T23:59:59Z"}'
    ),
    "token-wrong-types": _token_json(
        {"token": "good-token-3", "expires_in": "3600", "issued_at": 5}
    ),
}
