"""TLS and plain-HTTP policy per registry host: who may skip TLS, which CAs to trust.

Verification is on by default with the system trust store (``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` are honoured by OpenSSL). Extra CAs and client certificates come
from ``certs.d/HOST[:PORT]/`` the way Docker and Podman read them.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from linter import safe_read
from linter.model import ErrorKind
from linter.registry.errors import RegistryError, display_host

if TYPE_CHECKING:
    import ssl

CERT_ROOTS = (Path("/etc/docker/certs.d"), Path("/etc/containers/certs.d"))


def split_authority(authority: str) -> tuple[str, int | None]:
    """``host:port`` -> (host, port); IPv6 brackets are removed."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = authority.partition(":")
    return host.lower(), int(port) if port.isdigit() else None


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# Cached: every request asks about its host (and its token realm's) several times.
@functools.lru_cache(maxsize=256)
def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` names without DNS, as the resolver reads it; None for a name.

    The resolver also takes the old IPv4 forms (``2852039166``, ``0xa9fea9fe``,
    ``169.254.43518``) and IPv4-mapped IPv6 (``::ffff:10.0.0.1``): each is the
    address it stands for, so none slips past a check as a "public host".
    """
    try:
        address: IPAddress = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (``host`` without a port)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = ip_literal(host)
    return address is not None and address.is_loopback


def is_private_address(host: str) -> bool:
    """An IP literal in a private, loopback or link-local range."""
    address = ip_literal(host)
    return address is not None and (
        address.is_private or address.is_loopback or address.is_link_local
    )


def is_link_local(host: str) -> bool:
    """An IP literal in 169.254.0.0/16 or fe80::/10, where cloud metadata services answer."""
    address = ip_literal(host)
    return address is not None and address.is_link_local


def listed(authority: str, insecure: Collection[str]) -> bool:
    """Whether ``--insecure-registry`` names this ``host[:port]`` (or its host, for any port)."""
    host, _ = split_authority(authority)
    names = {
        entry.strip().lower().removeprefix("http://").removeprefix("https://").rstrip("/")
        for entry in insecure
    }
    return authority.lower() in names or host in names


def plain_http_allowed(authority: str, insecure: Collection[str]) -> bool:
    """Loopback registries and the ones listed insecure may be reached without TLS."""
    return is_loopback(split_authority(authority)[0]) or listed(authority, insecure)


def ssl_context(
    authority: str, insecure: Collection[str], roots: Sequence[Path] = CERT_ROOTS
) -> ssl.SSLContext:
    """The context for ``authority``: unverified only when listed insecure."""
    import ssl  # here: a plain-HTTP run sends its first request before ssl loads

    if listed(authority, insecure):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    directories = _cert_dirs(authority, roots)
    if not directories:
        return _system_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = ssl.create_default_context()
    for directory in directories:
        for files in _certs_d(directory):
            try:
                _load(context, *files)
            except (safe_read.ReadError, ssl.SSLError) as exc:
                raise RegistryError(
                    ErrorKind.UNREACHABLE,
                    f"cannot use {' and '.join(map(str, files))}: {exc}",
                    display_host(authority),
                ) from None
    return context


def _certs_d(directory: Path) -> list[tuple[Path, ...]]:
    """Docker's ``certs.d`` layout: each ``*.crt`` a CA, each ``*.cert`` a client
    certificate with the ``*.key`` of the same name."""
    cas = [(ca,) for ca in sorted(directory.glob("*.crt"))]
    pairs = [(cert, cert.with_suffix(".key")) for cert in sorted(directory.glob("*.cert"))]
    return [*cas, *(pair for pair in pairs if os.path.lexists(pair[1]))]


def _load(context: ssl.SSLContext, *files: Path) -> None:
    """Trust a CA (one file) or present a client certificate (certificate, key); every file
    checked by linter.safe_read, so a FIFO or a device there never blocks."""
    if len(files) == 1:
        context.load_verify_locations(cadata=safe_read.read_text(files[0]))
        return
    cert, key = files
    with safe_read.opened(cert) as (cert_fd, cert_on), safe_read.opened(key) as (key_fd, key_on):
        if max(cert_on.st_size, key_on.st_size) > safe_read.SMALL_FILE:
            raise safe_read.ReadError(f"too large (the limit is {safe_read.SMALL_FILE} bytes)")
        # ssl loads a chain only from paths: these name the descriptors checked above.
        context.load_cert_chain(f"/dev/fd/{cert_fd}", f"/dev/fd/{key_fd}")


def no_trust_context() -> ssl.SSLContext:
    """A verifying context that trusts no CA: for origins that must never do TLS."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


@functools.lru_cache(maxsize=4)
def _system_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One verifying context for every host without certs.d entries: loading the system
    CA store costs tens of milliseconds, once per run instead of once per registry.
    Keyed by the variables ssl reads, so a changed environment gets a new one."""
    import ssl

    return ssl.create_default_context()


def _cert_dirs(authority: str, roots: Sequence[Path]) -> list[Path]:
    return [root / authority for root in roots if (root / authority).is_dir()]
