"""When a run's first request leaves before its HTTP stack loads, and what it is.

``linter/registry/http/ahead.py`` says how (a thread, a socket, the pool adopting
it). This says when: exactly when the client's first request would be a bare
HEAD of the tag over plain HTTP. That is, the reference's tag is not in the
cache, its registry (or first mirror) is asked over plain HTTP first (a loopback
host, ``first_origin``), and no challenge is remembered for it (with one, the
client asks for a token first and sends nothing bare). The HEAD is framed as the
HTTP/1.1 pool frames it, so the server sees what it would have seen.

When the answer is a 401 whose Bearer challenge names a token server the client
may use (``token_origins``: https, or plain HTTP on loopback), the thread opens
a connection to it too: the token request goes out on it.

Imports neither asyncio nor httpx: this runs before they load.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence

from linter.records import Record
from linter.reference import Reference
from linter.registry.api.manifests import ACCEPT
from linter.registry.api.target import first_origin
from linter.registry.auth.challenge import Challenge, parse_challenges
from linter.registry.cache.store import Cache
from linter.registry.http import tls
from linter.registry.http.ahead import Origin, SentAhead
from linter.registry.options import RegistryOptions
from linter.registry.resolution.mirrors import mirror_targets


def token_origins(challenges: Iterable[Challenge]) -> list[Origin]:
    """The token servers of ``challenges`` worth connecting to ahead: https realms, and
    plain-HTTP ones on loopback (the only plain realms a request may then use)."""
    found = []
    for challenge in challenges:
        realm = challenge.get("realm") if challenge.scheme == "bearer" else None
        parts = urllib.parse.urlsplit(realm or "")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host and parts.scheme == "https":
            found.append((host, port or 443))
        elif host and parts.scheme == "http" and tls.is_loopback(host):
            found.append((host, port or 80))
    return found


def _challenged(head: bytes) -> Sequence[Origin]:
    """The token servers a 401's head names (none for any other answer)."""
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or status[1] != "401":
        return ()
    values = [
        value.strip()
        for name, colon, value in (line.partition(":") for line in lines[1:])
        if colon and name.strip().lower() == "www-authenticate"
    ]
    return token_origins(parse_challenges(values))


def send_first(ref: Reference, options: RegistryOptions, cache: Cache | None) -> SentAhead | None:
    """The bare HEAD of ``ref``'s tag, started on a thread, when it is what the client would
    send first; None otherwise."""
    tag = ref.effective_tag
    if tag is None or (cache is not None and cache.tag(ref.name, tag)):
        return None
    target = mirror_targets(ref, options.mirrors)[0]
    first = first_origin(target.authority, options.insecure)
    if first is None or first[0] != "http":
        return None
    if cache is not None and cache.challenges(target.authority):
        return None
    _, host, port = first
    path = f"/v2/{target.path}/manifests/{tag}"
    request = (
        f"HEAD {path} HTTP/1.1\r\nHost: {target.authority}\r\nAccept: {ACCEPT}\r\n"
        "Accept-Encoding: identity\r\n\r\n"
    )
    try:
        encoded = request.encode("ascii")
    except UnicodeEncodeError:
        return None  # left to the client, which says why
    sent = SentAhead(host, port, "HEAD", path, encoded, timeout=options.timeout, then=_challenged)
    sent.start()
    return sent


class HeadStart(Record):
    """What a run has before its event loop: the cache, opened, and the first request."""

    cache: Cache | None
    sent: SentAhead | None
