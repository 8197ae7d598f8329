"""What a request that got no answer means: said in words, and whether retrying can help."""

from __future__ import annotations

import errno
import socket
import ssl
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpx

E = TypeVar("E", bound=BaseException)


def describe_failure(exc: httpx.RequestError) -> str:
    """What went wrong, by kind (docs/registry.md "Errors"): a timeout, DNS, a refused or
    reset connection, TLS, or the error's own first line."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    lookup = _cause(exc, socket.gaierror)
    if lookup is not None:
        return f"DNS: cannot resolve the host name ({lookup.strerror or lookup})"
    certificate = _cause(exc, ssl.SSLCertVerificationError)
    if certificate is not None:
        return f"TLS: the certificate does not verify: {certificate.verify_message.rstrip('.')}"
    handshake = _ssl_cause(exc)
    if handshake is not None:
        return f"TLS: the handshake failed: {getattr(handshake, 'reason', None) or handshake}"
    failed = _cause(exc, OSError)
    if failed is not None and failed.errno in _CONNECTION_ERRORS:
        return _CONNECTION_ERRORS[failed.errno]
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


#: errno -> what it means for reaching a registry.
_CONNECTION_ERRORS = {
    errno.ECONNREFUSED: "connection refused (nothing listens on that port)",
    errno.ECONNRESET: "connection reset by the server",
    errno.EHOSTUNREACH: "host unreachable (no route to it)",
    errno.ENETUNREACH: "network unreachable (no route to it)",
}


def _cause(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of ``kind`` in the chain that led to ``exc``."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    return _cause(exc, ssl.SSLError)


def plain_http_server(exc: BaseException) -> bool:
    """The TLS handshake failed as it does against a plain-HTTP server (not a bad certificate)."""
    cause = _ssl_cause(exc)
    return cause is not None and not isinstance(cause, ssl.SSLCertVerificationError)


def permanent(exc: BaseException) -> bool:
    """A timeout, a certificate that does not verify, a host name that does not exist, an
    address or a scheme nothing can connect to, will not do better on the next attempt
    (a DNS server that is only slow, EAI_AGAIN, is retried)."""
    import httpx

    from linter.registry.http.netio import Unconnectable

    if (
        # A timeout: a server that let it pass once is no likelier to answer in time
        # again (a silent registry kept a run past 60 s). A redirect to file:// or ftp://.
        isinstance(exc, (httpx.TimeoutException, httpx.UnsupportedProtocol))
        or isinstance(_ssl_cause(exc), ssl.SSLCertVerificationError)
        or _cause(exc, Unconnectable)  # a port out of range, a host name IDNA refuses
    ):
        return True
    lookup = _cause(exc, socket.gaierror)
    return lookup is not None and lookup.errno == socket.EAI_NONAME
