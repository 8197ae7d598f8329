"""What ``-vv`` (``--trace``) shows of a run's registry traffic, and ``-v`` of its cache.

Events are made at three boundaries only: the transport (``RoutingTransport``: every
HTTP exchange, to registries and token servers, retries and the auth flow's
included, once the answer's headers are in), the resolver's lookup of a tag in the
persistent cache, and the credential store's lookups. They go to the tracer of the
run (``RegistryOptions.tracer``, kept in ``RunStats``) when a command set one; nothing
else in linter/registry knows about tracing.

Never a secret: a URL is shown without its query (a token request's names the
account), no header is shown (only the scheme of the ``Authorization`` sent), and
credentials are named by where they were found, never by their value.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from linter.records import Record

if TYPE_CHECKING:
    import httpx


class Exchange(Record):
    method: str
    #: Scheme, host and path: never the query.
    url: str
    #: None when no answer came (``problem`` says why).
    status: int | None
    seconds: float
    #: The scheme of the Authorization header sent ("Bearer", "Basic"), or "".
    authorization: str
    problem: str = ""


class CacheAnswer(Record):
    #: ``name:tag``, as the cache keys it.
    reference: str
    #: The digest the cache holds, and how old that answer is; None for a miss.
    digest: str | None = None
    age: float | None = None


class CredentialsFound(Record):
    #: ``host`` or ``host/repository``.
    scope: str
    #: Where they came from (file and key, or a helper); "" when there are none.
    source: str
    #: When there are none: where the lookup went.
    searched: str = ""


Event = Exchange | CacheAnswer | CredentialsFound
Tracer = Callable[[Event], None]


async def timed(
    tracer: Tracer, request: httpx.Request, answer: Awaitable[httpx.Response]
) -> httpx.Response:
    """``answer`` (the exchange of ``request``), told to ``tracer`` with its status and time."""
    start = time.monotonic()
    url = str(request.url.copy_with(query=None))
    authorization = request.headers.get("authorization", "").partition(" ")[0]
    try:
        response = await answer
    except Exception as exc:
        seconds = time.monotonic() - start
        # The kind, as IMG011 names it (DNS, refused, timeout, TLS), where it has one.
        from httpx import RequestError

        from linter.registry.http.failures import describe_failure

        problem = describe_failure(exc) if isinstance(exc, RequestError) else type(exc).__name__
        tracer(Exchange(request.method, url, None, seconds, authorization, problem))
        raise
    seconds = time.monotonic() - start
    tracer(Exchange(request.method, url, response.status_code, seconds, authorization))
    return response


def age(seconds: float) -> str:
    """``42 s``, ``3 min``, ``5 h``, ``2 days``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def describe(event: Event) -> str:
    """One line about ``event``; values as the registry or the files gave them (the caller
    escapes them for a terminal)."""
    if isinstance(event, Exchange):
        answer = str(event.status) if event.status is not None else f"failed ({event.problem})"
        sent = f" ({event.authorization})" if event.authorization else " (no credentials)"
        return f"{event.method} {event.url} -> {answer} in {event.seconds * 1000:.0f} ms{sent}"
    if isinstance(event, CacheAnswer):
        if event.digest is None or event.age is None:
            return f"cache miss: {event.reference}"
        return f"cache hit: {event.reference} -> {event.digest}, stored {age(event.age)} ago"
    if event.source:
        return f"credentials for {event.scope}: {event.source}"
    return f"credentials for {event.scope}: none found ({event.searched or 'anonymous'})"
