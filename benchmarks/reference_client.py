"""The least work any client can do to resolve the benchmark's tags: what the rig allows.

Blocking sockets and threads from the standard library, nothing parsed but a status
line, one header and the token's JSON: the registry's challenge, one token request
per ``concurrency`` repositories (all at once, while the registry connections open),
then one ``HEAD`` per tag on ``concurrency`` kept-alive connections. Every digest
must be the one pushed. Its time, run as a process like imagepin, is the floor
this machine really has: the network floor plus what the registry, its token
server and the latency proxies cost on the same cores.

    python benchmarks/reference_client.py HOST CONCURRENCY REFS   # REFS: "repo tag digest" lines
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections import deque
from urllib.parse import urlencode, urlsplit

ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def _head(connection: socket.socket, buffered: bytearray) -> bytes:
    """One response head (status line and headers) from ``connection``; what follows it stays
    in ``buffered``."""
    while (end := buffered.find(b"\r\n\r\n")) < 0:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the connection closed before a whole response head")
        buffered += chunk
    head = bytes(buffered[: end + 4])
    del buffered[: end + 4]
    return head


def _header(head: bytes, name: bytes) -> str:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode()
    raise ValueError(f"no {name.decode()} header in {head[:200]!r}")


def _challenge(host: str) -> tuple[str, str]:
    """The realm and service of the registry's Bearer challenge."""
    address, port = host.rsplit(":", 1)
    with socket.create_connection((address, int(port))) as connection:
        connection.sendall(f"GET /v2/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        challenge = _header(_head(connection, bytearray()), b"www-authenticate")
    fields = dict(
        part.split("=", 1) for part in challenge.removeprefix("Bearer ").split(",") if "=" in part
    )
    return fields["realm"].strip('"'), fields["service"].strip('"')


def _token(realm: str, service: str, repositories: list[str]) -> str:
    url = urlsplit(realm)
    query = urlencode(
        [("service", service), *(("scope", f"repository:{r}:pull") for r in repositories)]
    )
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port)) as connection:
        request = (
            f"GET {url.path}?{query} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n"
        )
        connection.sendall(request.encode())
        answer = bytearray()
        while chunk := connection.recv(65536):
            answer += chunk
    status, _, rest = bytes(answer).partition(b"\r\n")
    if b" 200 " not in status:
        raise ValueError(f"token request refused: {status!r}")
    return str(json.loads(rest.partition(b"\r\n\r\n")[2])["token"])


def resolve(host: str, concurrency: int, images: list[tuple[str, str, str]]) -> None:
    """Look up every ``(repository, tag, expected digest)``: a digest other than the
    expected one is an error."""
    address, port = host.rsplit(":", 1)
    work = deque(images)
    tokens: dict[str, str] = {}
    ready = threading.Event()
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with socket.create_connection((address, int(port))) as connection:
                buffered = bytearray()
                ready.wait()
                while True:
                    try:
                        repository, tag, expected = work.popleft()
                    except IndexError:
                        return
                    request = (
                        f"HEAD /v2/{repository}/manifests/{tag} HTTP/1.1\r\nHost: {host}\r\n"
                        f"Accept: {ACCEPT}\r\nAuthorization: Bearer {tokens[repository]}\r\n\r\n"
                    )
                    connection.sendall(request.encode())
                    head = _head(connection, buffered)
                    digest = _header(head, b"docker-content-digest")
                    if not head.startswith(b"HTTP/1.1 200") or digest != expected:
                        raise ValueError(f"{repository}:{tag}: {head[:200]!r}")
        except BaseException as error:
            failures.append(error)
            ready.set()

    def batch_token(repositories: list[str]) -> None:
        try:
            token = _token(realm, service, repositories)
            tokens.update(dict.fromkeys(repositories, token))
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in workers:
        thread.start()
    try:
        realm, service = _challenge(host)
        repositories = list(dict.fromkeys(repository for repository, _, _ in images))
        batches = [
            threading.Thread(target=batch_token, args=(repositories[i : i + concurrency],))
            for i in range(0, len(repositories), concurrency)
        ]
        for thread in batches:
            thread.start()
        for thread in batches:
            thread.join()
    finally:
        ready.set()
        for thread in workers:
            thread.join()
    if failures:
        raise failures[0]


def main(argv: list[str]) -> int:
    host, concurrency, refs = argv
    with open(refs) as lines:
        images = [(repo, tag, digest) for repo, tag, digest in (line.split() for line in lines)]
    resolve(host, int(concurrency), images)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
