"""Real registries on loopback for tests: ``docker-registry`` (CNCF distribution 2.8, Debian).

Three setups, each its own process on a free 127.0.0.1 port, all sharing one
storage directory (distribution keeps no cache unless configured, so an image
pushed once is seen by every one of them):

* ``plain``: HTTP, no auth.
* ``basic-tls``: HTTPS with a certificate from a throw-away CA, htpasswd Basic auth.
* ``token``: HTTP, Bearer token auth against :class:`TokenServer` (ES256 JWTs, pyjwt).

Images are pushed through a fourth, hidden plain registry on the same storage, so
the three registries' access logs hold only the traffic of the code under test:
``registry.mark()`` then ``registry.requests(since=mark)`` counts it exactly.

Images are deterministic (a stored-gzip tar layer and a config built from a seed
string), so their digests are the same on every machine; see :func:`build_image`,
:func:`build_index` and :func:`multi_platform`.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

USERNAME = "alice"
#: Distinctive on purpose: tests grep every output for it.
PASSWORD = "wonderland-S3cret-pw-7731"
#: An OAuth2 refresh token the token server accepts for USERNAME (a Docker "identitytoken").
REFRESH_TOKEN = "refresh-T0ken-for-alice-9923"
#: Repositories under this prefix need credentials on the token registry.
PRIVATE_PREFIX = "private/"
SERVICE = "imagepin-test-registry"
ISSUER = "imagepin-test-issuer"

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CREATED = "2024-05-01T12:00:00Z"


class RegistryUnavailable(RuntimeError):
    """``docker-registry`` is missing or would not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- deterministic images ------------------------------------------------------------------


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return sha256(self.data)

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class Image:
    """A manifest (one image, or an index of images) and everything it references."""

    media_type: str
    manifest: bytes
    blobs: tuple[Blob, ...] = ()
    children: tuple[Image, ...] = ()
    #: ``os/arch[/variant]`` of a platform image; None for an index.
    platform: str | None = None

    @property
    def digest(self) -> str:
        return sha256(self.manifest)

    def child(self, platform: str) -> Image:
        return next(c for c in self.children if c.platform == platform)

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.manifest)}


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=3).encode()


def _layer(seed: str) -> tuple[bytes, bytes]:
    """(tar, gzip of it): one file holding the seed; gzip level 0 so every zlib agrees."""
    content = f"imagepin test layer {seed}\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("seed.txt")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    raw = buffer.getvalue()
    return raw, gzip.compress(raw, compresslevel=0, mtime=0)


def build_image(
    seed: str,
    platform: str = "linux/amd64",
    *,
    oci: bool = True,
    created: str = CREATED,
    labels: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    layers: int = 1,
    annotations: dict[str, str] | None = None,
) -> Image:
    """One platform image whose bytes depend only on the arguments.

    ``settings`` go into the config's ``config`` (Env, Entrypoint, …), ``extra`` at its
    top (docker_version, history, …); ``annotations`` onto every layer's descriptor.
    """
    os_name, architecture, *variant = platform.split("/")
    tars = [_layer(f"{seed} {platform}" + (f" {i}" if i else "")) for i in range(layers)]
    config: dict[str, Any] = {
        "architecture": architecture,
        "os": os_name,
        "created": created,
        "config": {"Labels": labels if labels is not None else {"seed": seed}, **(settings or {})},
        "rootfs": {"type": "layers", "diff_ids": [sha256(raw) for raw, _ in tars]},
        **(extra or {}),
    }
    if variant:
        config["variant"] = variant[0]
    config_blob = Blob(OCI_CONFIG if oci else DOCKER_CONFIG, _json(config))
    blobs = [Blob(OCI_LAYER if oci else DOCKER_LAYER, compressed) for _, compressed in tars]
    media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
    manifest = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": config_blob.descriptor(),
        "layers": [
            {**blob.descriptor(), **({"annotations": annotations} if annotations else {})}
            for blob in blobs
        ],
    }
    return Image(media_type, _json(manifest), (config_blob, *blobs), platform=platform)


def build_index(children: Sequence[Image], *, oci: bool = True, attestation: bool = False) -> Image:
    """An OCI index (or a Docker manifest list) of ``children``, with their platforms.

    ``attestation`` adds a buildx-style ``unknown/unknown`` attestation entry (OCI only).
    """
    entries = []
    for child in children:
        assert child.platform is not None
        os_name, architecture, *variant = child.platform.split("/")
        platform: dict[str, str] = {"architecture": architecture, "os": os_name}
        if variant:
            platform["variant"] = variant[0]
        entries.append({**child.descriptor(), "platform": platform})
    members = list(children)
    if attestation:
        assert oci, "attestation manifests only exist in OCI indexes"
        subject = children[0]
        statement = Blob("application/vnd.in-toto+json", _json({"subject": subject.digest}))
        config = Blob(OCI_CONFIG, b"{}")
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config.descriptor(),
            "layers": [statement.descriptor()],
        }
        attest = Image(OCI_MANIFEST, _json(body), (config, statement), platform="unknown/unknown")
        members.append(attest)
        entries.append(
            {
                **attest.descriptor(),
                "platform": {"architecture": "unknown", "os": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": subject.digest,
                },
            }
        )
    media_type = OCI_INDEX if oci else DOCKER_LIST
    index = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    return Image(media_type, _json(index), children=tuple(members))


def multi_platform(
    seed: str,
    platforms: Sequence[str] = ("linux/amd64", "linux/arm64", "linux/arm/v7"),
    *,
    oci: bool = True,
    attestation: bool = False,
) -> Image:
    return build_index(
        [build_image(seed, p, oci=oci) for p in platforms], oci=oci, attestation=attestation
    )


# --- pushing ---------------------------------------------------------------------------------


class Pusher:
    """Pushes images through the registry HTTP API (blobs, then children, then the tag)."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(
            base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=8)
        )

    def close(self) -> None:
        self._http.close()

    def push(self, repo: str, tag: str | None, image: Image) -> str:
        """Push ``image`` as ``repo:tag`` (by digest only when ``tag`` is None); its digest."""
        for child in image.children:
            self.push(repo, None, child)
        for blob in image.blobs:
            self._blob(repo, blob)
        reference = tag or image.digest
        response = self._http.put(
            f"/v2/{repo}/manifests/{reference}",
            content=image.manifest,
            headers={"Content-Type": image.media_type},
        )
        _expect(response, 201)
        assert response.headers["docker-content-digest"] == image.digest
        return image.digest

    def push_many(self, items: Iterable[tuple[str, str | None, Image]]) -> list[str]:
        """Push several images at once (the registry's disk writes dominate; overlap them)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda item: self.push(*item), items))

    def delete_tag_target(self, repo: str, digest: str) -> None:
        """Delete a manifest (and so every tag pointing to it)."""
        _expect(self._http.delete(f"/v2/{repo}/manifests/{digest}"), 202)

    def _blob(self, repo: str, blob: Blob) -> None:
        if self._http.head(f"/v2/{repo}/blobs/{blob.digest}").status_code == 200:
            return
        started = self._http.post(f"/v2/{repo}/blobs/uploads/")
        _expect(started, 202)
        location = started.headers["location"]
        separator = "&" if "?" in location else "?"
        done = self._http.put(
            f"{location}{separator}digest={urllib.parse.quote(blob.digest)}",
            content=blob.data,
            headers={"Content-Type": "application/octet-stream"},
        )
        _expect(done, 201)


def _expect(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise AssertionError(
            f"{response.request.method} {response.request.url}: HTTP {response.status_code} "
            f"(expected {status}): {response.text[:300]}"
        )


# --- certificates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path) -> Certificates:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagepin test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = Certificates(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


# --- the token server ------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRequest:
    method: str
    scopes: tuple[str, ...]
    #: The authenticated user, "" when anonymous, None when the credentials were wrong.
    user: str | None
    grant_type: str | None
    status: int

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(scope.split(":")[1] for scope in self.scopes if scope.count(":") >= 2)


class TokenServer:
    """A distribution token server: Basic or OAuth2 refresh credentials in, ES256 JWT out.

    Anonymous users may pull outside ``private/``; USERNAME may pull and push anywhere.
    Every request is logged in ``requests`` (no secrets).
    """

    def __init__(self, directory: Path, *, expires_in: int = 300) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.expires_in = expires_in
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagepin token signer")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(self._key, hashes.SHA256())
        )
        self._x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        directory.mkdir(parents=True, exist_ok=True)
        self.cert_bundle = directory / "token-signer.pem"
        self.cert_bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._server = _TokenHTTPServer(("127.0.0.1", 0), _token_handler(self))
        self.port = self._server.server_address[1]
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)

    def requests_since(self, mark: int = 0) -> list[TokenRequest]:
        with self._lock:
            return list(self.requests[mark:])

    def _log(self, entry: TokenRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def grant(self, user: str, scopes: Iterable[str]) -> list[dict[str, Any]]:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository" or not name:
                continue
            allowed = {"pull", "push", "delete"} if user else {"pull"}
            if not user and name.startswith(PRIVATE_PREFIX):
                allowed = set()
            granted = sorted(allowed & set(actions.split(",")))
            if granted:
                access.append({"type": "repository", "name": name, "actions": granted})
        return access

    def mint(self, user: str, scopes: Iterable[str]) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": user,
            "aud": SERVICE,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": os.urandom(8).hex(),
            "access": self.grant(user, scopes),
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"x5c": [self._x5c]})


class _TokenHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Clients open many connections at once: the default backlog of 5 drops the rest,
    # and the kernel retries them a second later.
    request_queue_size = 128


def _token_handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as real token servers do (every reply has a Content-Length); the
        # body then follows the headers on an open connection: no Nagle delay for it.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
            pass

        def _reply(self, status: int, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _basic_user(self) -> str | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return ""
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user if user == USERNAME and password == PASSWORD else None

        def _answer(self, method: str, scopes: list[str], user: str | None, grant: str | None):
            # Logged before the answer leaves: a client holding the answer finds its request
            # in the log (logged after, a test could read the log before this thread wrote it).
            status = 401 if user is None else 200
            server._log(TokenRequest(method, tuple(scopes), user, grant, status))
            if user is None:
                self._reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad creds"}]})
            else:
                token = server.mint(user, scopes)
                issued = datetime.datetime.now(datetime.timezone.utc).isoformat()
                self._reply(
                    200,
                    {
                        "token": token,
                        "access_token": token,
                        "expires_in": server.expires_in,
                        "issued_at": issued,
                    },
                )

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            self._answer("GET", query.get("scope", []), self._basic_user(), None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            grant = (form.get("grant_type") or [""])[0]
            accepted = {
                "refresh_token": ("refresh_token", REFRESH_TOKEN),
                "password": ("password", PASSWORD),
            }
            field_name, secret = accepted.get(grant, ("", ""))
            user = USERNAME if field_name and form.get(field_name) == [secret] else None
            scopes = " ".join(form.get("scope", [])).split()
            self._answer("POST", scopes, user, grant)

    return Handler


# --- registry processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class AccessEntry:
    method: str
    path: str
    status: int
    #: HTTP version: "1.1", or "2.0" over TLS when the client speaks HTTP/2.
    protocol: str = "1.1"

    @property
    def is_manifest(self) -> bool:
        return "/manifests/" in self.path


#: A combined-log line: ``"METHOD PATH HTTP/x.y" STATUS``.
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/([0-9.]+)" (\d{3}) ')


class RegistryProcess:
    """One ``docker-registry serve`` on 127.0.0.1; stdout (the access log) goes to a file."""

    def __init__(
        self,
        directory: Path,
        storage: Path,
        *,
        auth: dict[str, Any] | None = None,
        certificates: Certificates | None = None,
    ) -> None:
        self.directory = directory
        self.storage = storage
        self.auth = auth
        self.scheme = "https" if certificates else "http"
        self.certificates = certificates
        self.access_log = directory / "access.log"
        self.error_log = directory / "registry.log"
        directory.mkdir(parents=True, exist_ok=True)
        # JSON is YAML: no YAML writer needed.
        self.config_file = directory / "config.yml"
        self._configure(free_port())
        self._process: subprocess.Popen[bytes] | None = None

    def _configure(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        http: dict[str, Any] = {"addr": self.host, "secret": "imagepin-test-only"}
        if self.certificates:
            http["tls"] = {
                "certificate": str(self.certificates.cert_file),
                "key": str(self.certificates.key_file),
            }
        config: dict[str, Any] = {
            "version": 0.1,
            "log": {"level": "info", "accesslog": {"disabled": False}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.storage)},
                "delete": {"enabled": True},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": http,
        }
        if self.auth:
            config["auth"] = self.auth
        self.config_file.write_text(json.dumps(config, indent=2))

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def start(self, timeout: float = 15.0, attempts: int = 3) -> None:
        """Start and wait until this process answers. Under pytest-xdist other workers
        start registries too: a port taken between :func:`free_port` and the bind makes
        the process exit, and it is started again on another port."""
        for attempt in range(attempts):
            if self._start_once(timeout):
                return
            taken = b"address already in use" in self.error_log.read_bytes()
            if not taken or attempt == attempts - 1:
                break
            self._configure(free_port())
        raise RegistryUnavailable(
            f"docker-registry did not start on {self.host}: "
            + self.error_log.read_text(errors="replace")[-2000:]
        )

    def _start_once(self, timeout: float) -> bool:
        executable = shutil.which("docker-registry")
        if executable is None:
            raise RegistryUnavailable("docker-registry is not installed")
        with self.access_log.open("wb") as out, self.error_log.open("wb") as err:
            self._process = subprocess.Popen(
                [executable, "serve", str(self.config_file)], stdout=out, stderr=err
            )
        verify: ssl.SSLContext | bool = True
        if self.certificates:
            verify = ssl.create_default_context(cafile=str(self.certificates.ca_file))
        deadline = time.monotonic() + timeout
        with httpx.Client(verify=verify, timeout=1) as client:
            while time.monotonic() < deadline and self._process.poll() is None:
                try:
                    client.get(f"{self.url}/v2/")
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                # The answer may have come from another worker's registry that took the
                # port: only this process's access log proves it was this one.
                while time.monotonic() < deadline and self._process.poll() is None:
                    if self.access_log.stat().st_size:
                        return True
                    time.sleep(0.01)
        self.stop()
        return False

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def lines(self) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines()


@dataclass
class Registry:
    """A running registry setup, as the fixtures hand it out.

    ``host`` is ``127.0.0.1:PORT``; ``ref("app/x", "1.0")`` spells a reference to it.
    ``push`` stores an image (through the shared storage). ``mark()`` and
    ``requests(since=...)`` count this registry's own access log entries.
    ``docker_config(dir)`` writes a Docker config.json with this registry's
    credentials; ``client_env(dir)`` is the environment a subprocess needs to reach
    it (DOCKER_CONFIG, SSL_CERT_FILE).
    """

    kind: str
    process: RegistryProcess
    pusher: Pusher
    username: str | None = None
    password: str | None = None
    token_server: TokenServer | None = None
    _pushed: dict[tuple[str, str | None], str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def ca_file(self) -> Path | None:
        return self.process.certificates.ca_file if self.process.certificates else None

    def ref(self, repo: str, tag: str | None = None, digest: str | None = None) -> str:
        return f"{self.host}/{repo}" + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")

    def push(self, repo: str, tag: str | None, image: Image) -> str:
        return self.pusher.push(repo, tag, image)

    def push_many(self, items: Iterable[tuple[str, str | None, Image]]) -> list[str]:
        return self.pusher.push_many(items)

    def mark(self) -> int:
        return len(self._settled_lines())

    def requests(self, since: int = 0) -> list[AccessEntry]:
        entries = []
        for line in self._settled_lines()[since:]:
            match = ACCESS_LINE.search(line)
            if match:
                entries.append(AccessEntry(match[1], match[2], int(match[4]), match[3]))
        return entries

    def _settled_lines(self) -> list[str]:
        """The access log once it stops growing (the registry logs just after it answers)."""
        lines = self.process.lines()
        for _ in range(40):
            time.sleep(0.05)
            again = self.process.lines()
            if len(again) == len(lines):
                return again
            lines = again
        return lines

    def docker_config(self, directory: Path, *, password: str | None = None) -> Path:
        """Write ``directory/config.json`` with this registry's credentials; returns ``directory``."""
        return write_docker_config(directory, [self], password=password)

    def client_env(self, directory: Path, *, password: str | None = None) -> dict[str, str]:
        env = {"DOCKER_CONFIG": str(self.docker_config(directory, password=password))}
        if self.ca_file:
            env["SSL_CERT_FILE"] = str(self.ca_file)
        return env


def write_docker_config(
    directory: Path, registries: Iterable[Registry], *, password: str | None = None
) -> Path:
    """A Docker ``config.json`` with the credentials of ``registries`` (``password`` overrides)."""
    directory.mkdir(parents=True, exist_ok=True)
    auths = {}
    for registry in registries:
        if registry.username:
            secret = password if password is not None else registry.password
            auth = base64.b64encode(f"{registry.username}:{secret}".encode()).decode()
            auths[registry.host] = {"auth": auth}
    (directory / "config.json").write_text(json.dumps({"auths": auths}))
    return directory


def htpasswd_file(path: Path, username: str, password: str) -> Path:
    """A bcrypt htpasswd file (``htpasswd -B``, apache2-utils)."""
    executable = shutil.which("htpasswd")
    if executable is None:
        raise RegistryUnavailable("htpasswd (apache2-utils) is not installed")
    line = subprocess.run(
        [executable, "-Bbn", username, password], check=True, capture_output=True, text=True
    ).stdout.strip()
    path.write_text(line + "\n")
    return path


class RegistryFarm:
    """The storage, the hidden push registry, and the three setups, started on demand."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.storage = directory / "storage"
        self._admin = RegistryProcess(directory / "admin", self.storage)
        self._admin.start()
        self.pusher = Pusher(self._admin.url)
        self._started: list[RegistryProcess] = [self._admin]
        self._token_servers: list[TokenServer] = []

    def close(self) -> None:
        self.pusher.close()
        for process in self._started:
            process.stop()
        for server in self._token_servers:
            server.stop()

    def _start(self, process: RegistryProcess) -> RegistryProcess:
        process.start()
        self._started.append(process)
        return process

    def plain(self) -> Registry:
        return Registry(
            "plain",
            self._start(RegistryProcess(self.directory / "plain", self.storage)),
            self.pusher,
        )

    def basic_tls(self) -> Registry:
        where = self.directory / "basic-tls"
        where.mkdir(parents=True, exist_ok=True)
        htpasswd = htpasswd_file(where / "htpasswd", USERNAME, PASSWORD)
        process = RegistryProcess(
            where,
            self.storage,
            auth={"htpasswd": {"realm": "imagepin-test", "path": str(htpasswd)}},
            certificates=make_certificates(where / "certs"),
        )
        return Registry("basic-tls", self._start(process), self.pusher, USERNAME, PASSWORD)

    def token(self, *, realm: Callable[[TokenServer], str] | None = None) -> Registry:
        """``realm`` maps the token server to the realm the registry advertises (the
        benchmark puts a latency proxy in front of it); the server's own by default."""
        where = self.directory / "token"
        server = TokenServer(where)
        server.start()
        self._token_servers.append(server)
        auth = {
            "token": {
                "realm": realm(server) if realm else server.realm,
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(server.cert_bundle),
            }
        }
        process = self._start(RegistryProcess(where, self.storage, auth=auth))
        return Registry("token", process, self.pusher, USERNAME, PASSWORD, server)


def standard_catalog() -> dict[str, Image]:
    """The images every registry setup serves from the start, by ``repo:tag``."""
    return {
        "app/single:1.0": build_image("single", oci=False),
        "app/oci:1.0": build_image("oci"),
        "app/multi:1.0": multi_platform("multi", attestation=True),
        "app/list:1.0": multi_platform("list", oci=False),
        "app/armv6:1.0": multi_platform("armv6", ("linux/amd64", "linux/arm/v6")),
        "library/nginx:1.27": multi_platform("nginx-1.27"),
        "private/app:1.0": build_image("private"),
    }


def push_catalog(pusher: Pusher, catalog: dict[str, Image]) -> None:
    pusher.push_many((*key.rsplit(":", 1), image) for key, image in catalog.items())


# --- an in-process fake for fault injection (httpx.MockTransport) --------------------------

Hook = Callable[[httpx.Request], "httpx.Response | None"]


class FakeRegistry:
    """A registry and its token server as an httpx handler, for exchanges a real one won't do.

    It serves what was ``push``-ed, with Bearer (token server at ``realm``) or Basic
    auth or none; anonymous tokens grant pull outside ``private/``. ``hooks`` see
    every request first and may answer it (return a Response) to inject a fault.
    ``requests`` records every exchange in order.
    """

    def __init__(
        self,
        host: str = "registry.example",
        *,
        auth: str | None = "bearer",
        realm: str = "https://auth.example/token",
    ) -> None:
        self.host = host
        self.auth = auth
        self.realm = realm
        self.requests: list[httpx.Request] = []
        self.hooks: list[Hook] = []
        self.manifests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.blobs: dict[str, bytes] = {}
        #: Tokens carry a serial number, so a refreshed token differs from the one it replaces.
        self.tokens_issued = 0

    def push(self, repo: str, tag: str | None, image: Image) -> str:
        for child in image.children:
            self.push(repo, None, child)
        for blob in image.blobs:
            self.blobs[blob.digest] = blob.data
        self.manifests[(repo, image.digest)] = (image.media_type, image.manifest)
        if tag:
            self.manifests[(repo, tag)] = (image.media_type, image.manifest)
        return image.digest

    def transport(self, _authority: str = "") -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def paths(self, method: str | None = None) -> list[str]:
        """``METHOD host/path?query`` of each request so far (optionally one method only)."""
        return [
            f"{r.method} {r.url.netloc.decode()}{r.url.raw_path.decode()}"
            for r in self.requests
            if method is None or r.method == method
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # A snapshot: the auth flow re-sends the same Request object with new headers.
        self.requests.append(
            httpx.Request(
                request.method, request.url, headers=request.headers.copy(), content=request.read()
            )
        )
        for hook in self.hooks:
            answer = hook(request)
            if answer is not None:
                return answer
        if str(request.url.copy_with(query=None)) == self.realm:
            return self._token(request)
        match = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/([^/]+)", request.url.path)
        repo = match[1] if match else None
        if not self._authorized(request, repo):
            return self.challenge(repo)
        if request.url.path == "/v2/":
            return httpx.Response(200, json={})
        if match and match[2] == "manifests" and (repo, match[3]) in self.manifests:
            media_type, body = self.manifests[(match[1], match[3])]
            headers = {"Content-Type": media_type, "Docker-Content-Digest": sha256(body)}
            if request.method == "HEAD":
                headers["Content-Length"] = str(len(body))
                return httpx.Response(200, headers=headers)
            return httpx.Response(200, headers=headers, content=body)
        if match and match[2] == "blobs" and match[3] in self.blobs:
            return httpx.Response(200, content=self.blobs[match[3]])
        code = "MANIFEST_UNKNOWN" if match and match[2] == "manifests" else "BLOB_UNKNOWN"
        return httpx.Response(404, json={"errors": [{"code": code, "message": "unknown"}]})

    def challenge(self, repo: str | None, error: str | None = None) -> httpx.Response:
        if self.auth == "basic":
            header = 'Basic realm="fake"'
        else:
            header = f'Bearer realm="{self.realm}",service="{self.host}"'
            if repo:
                header += f',scope="repository:{repo}:pull"'
            if error:
                header += f',error="{error}"'
        return httpx.Response(
            401,
            headers={"WWW-Authenticate": header},
            json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
        )

    def _authorized(self, request: httpx.Request, repo: str | None) -> bool:
        header = request.headers.get("authorization", "")
        if self.auth is None:
            return True
        if self.auth == "basic":
            return header == "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if not header.startswith("Bearer tok:"):
            return False
        granted = set(header.removeprefix("Bearer tok:").partition(":")[2].split("|"))
        return repo is None or repo in granted

    def _token(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization", "")
        user = ""
        if header:
            expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            if header != expected:
                return httpx.Response(
                    401, json={"errors": [{"code": "UNAUTHORIZED", "message": "bad"}]}
                )
            user = USERNAME
        if request.method == "POST":
            form = urllib.parse.parse_qs(request.content.decode())
            if form.get("refresh_token") != [REFRESH_TOKEN]:
                return httpx.Response(
                    401, json={"errors": [{"code": "UNAUTHORIZED", "message": "bad"}]}
                )
            user, scopes = USERNAME, " ".join(form.get("scope", [])).split()
        else:
            scopes = request.url.params.get_list("scope")
        repos = [
            scope.split(":")[1]
            for scope in scopes
            if scope.count(":") >= 2
            and (user or not scope.split(":")[1].startswith(PRIVATE_PREFIX))
        ]
        self.tokens_issued += 1
        token = f"tok:{self.tokens_issued}:" + "|".join(repos)
        return httpx.Response(200, json={"token": token, "expires_in": 300})


def offline_client_factory(
    handler: Callable[[httpx.Request], Any],
    *,
    environ: dict[str, str] | None = None,
    insecure: tuple[str, ...] = (),
    retry: Any = None,
    timeout: float = 5.0,
    deadline: float = 30.0,
) -> Callable[[Any], Any]:
    """A client factory for ``resolve_references``/``inspect`` that talks to ``handler`` only.

    Credentials come from ``environ`` (nothing of the machine's); retries are instant
    unless ``retry`` says otherwise.
    """
    from linter.registry.api.client import ClientSettings, RegistryClient
    from linter.registry.auth.credentials import CredentialStore
    from linter.registry.http.retry import RetryPolicy

    settings = ClientSettings(
        insecure=insecure,
        retry=retry or RetryPolicy(attempts=3, base=0.0, cap=0.0, retry_after_cap=0.0),
        timeout=timeout,
        deadline=deadline,
    )
    store = CredentialStore(environ or {"HOME": "/nonexistent", "XDG_RUNTIME_DIR": "/nonexistent"})
    return lambda stats: RegistryClient(
        settings, stats, transports=lambda *_: httpx.MockTransport(handler), credentials=store
    )


def resolve_offline(
    refs: Iterable[str], handler: Callable[[httpx.Request], Any], options: Any = None, **kwargs: Any
) -> tuple[dict[str, Any], Any]:
    """Resolve ``refs`` against ``handler``: ({text: Resolution}, RunStats)."""
    import asyncio

    from linter.reference import parse
    from linter.registry import RegistryOptions, RunStats
    from linter.registry.resolution.resolver import resolve_references

    options = options or RegistryOptions()
    texts = list(refs)
    stats = RunStats()
    factory = offline_client_factory(
        handler, insecure=options.insecure, deadline=options.deadline, **kwargs
    )
    answers = asyncio.run(resolve_references([parse(t) for t in texts], options, stats, factory))
    return {text: answers[parse(text)] for text in texts}, stats


def tls_only(fake: FakeRegistry, plain: str = "400") -> Callable[[httpx.Request], httpx.Response]:
    """``fake`` as a TLS server: plain HTTP gets what Go's (and nginx's) TLS servers answer
    it, a 400 (``plain="400"``), or a connection closed without an answer (``"closed"``)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            return fake(request)
        if plain == "400":
            return httpx.Response(400, text="Client sent an HTTP request to an HTTPS server.\n")
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    return handler


def plain_http_only(fake: FakeRegistry) -> Callable[[httpx.Request], httpx.Response]:
    """``fake`` as a plain-HTTP server: a TLS handshake fails the way it does against one."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            try:
                raise ssl.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
            except ssl.SSLError as exc:
                raise httpx.ConnectError(str(exc)) from exc
        return fake(request)

    return handler
