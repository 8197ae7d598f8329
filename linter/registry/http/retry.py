"""When to try again: exponential backoff with jitter; ``Retry-After`` (seconds or HTTP-date);
and the send that tries again."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from linter.model import ErrorKind
from linter.records import Record
from linter.registry.errors import RegistryError, display_host
from linter.registry.http.failures import describe_failure, permanent

if TYPE_CHECKING:
    import httpx

#: Answers worth another attempt: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RANDOM = random.Random()


class RetryPolicy(Record):
    attempts: int = 4
    #: First backoff; it doubles each attempt up to ``cap``.
    base: float = 0.25
    cap: float = 8.0
    #: A server may ask for longer than ``cap``, within reason: a request waits this long
    #: for ``Retry-After`` in all; asked to wait past it, it gives up at once.
    retry_after_cap: float = 30.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before attempt ``attempt + 1``: half fixed, half random (so runs spread out)."""
        ceiling = min(self.cap, self.base * 2.0**attempt)
        return ceiling / 2 + (rng or _RANDOM).uniform(0, ceiling / 2)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        return self.backoff(attempt)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if absent."""
    if not value:
        return None
    text = value.strip()
    # ASCII digits only: str.isdigit() also takes "²", which float() refuses.
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - now)


def _seconds(delay: float) -> str:
    return f"{delay:.0f} s" if delay < 86400 else "more than a day"


async def send(
    http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None = None
) -> httpx.Response:
    """``http.send``, with a redirect to a host name IDNA refuses said as such (httpx raises
    the codec's UnicodeError, which no caller expects)."""
    try:
        return await http.send(request, auth=auth)
    except UnicodeError as exc:
        message = f"redirected to a host name that is not valid IDNA ({exc})"
        registry = display_host(request.url.netloc.decode("ascii").lower())
        raise RegistryError(ErrorKind.INVALID, message, registry) from None


class RetryingSender:
    """Sends a request again on connection errors, 429 and 5xx, as :class:`RetryPolicy`
    says, never sleeping past the run's deadline (``time.monotonic()``)."""

    def __init__(self, http: httpx.AsyncClient, policy: RetryPolicy, deadline: float) -> None:
        self._http = http
        self._policy = policy
        self._deadline = deadline

    async def send(self, request: httpx.Request, auth: httpx.Auth | None = None) -> httpx.Response:
        """Send with retries on connection errors, 429 and 5xx; the last answer is returned.

        Raises RegistryError(UNREACHABLE) when no answer came at all.
        """
        import httpx

        policy = self._policy
        registry = display_host(request.url.netloc.decode("ascii").lower())
        problem, delay, waited = "no attempt made", 0.0, 0.0
        # The first attempt sends the request itself. The auth flow writes its header into
        # the request it sends, so a retry sends a copy made from the headers as given.
        headers = request.headers.copy()
        attempt_request = request
        for attempt in range(policy.attempts):
            if attempt:
                await self._sleep(delay, registry, problem)
                waited += delay
                attempt_request = httpx.Request(
                    request.method, request.url, headers=headers, content=request.content or None
                )
            try:
                response = await send(self._http, attempt_request, auth)
            except httpx.TransportError as exc:
                problem = describe_failure(exc)
                if permanent(exc):
                    raise RegistryError(ErrorKind.UNREACHABLE, problem, registry) from None
                delay = policy.delay(attempt, None)
                continue
            except httpx.RequestError as exc:  # a redirect loop, a body that does not decode
                raise RegistryError(ErrorKind.INVALID, describe_failure(exc), registry) from None
            if response.status_code not in RETRY_STATUSES or attempt == policy.attempts - 1:
                return response
            problem = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
            if retry_after is not None and waited + retry_after > policy.retry_after_cap:
                # Waiting the most we would, only to be told the same, helps nobody.
                raise RegistryError(
                    ErrorKind.UNREACHABLE,
                    f"{problem}: the registry asks to retry in {_seconds(retry_after)}; imagepin "
                    f"waits {policy.retry_after_cap:g} s at most "
                    f"(after {attempt + 1} attempt{'s' if attempt else ''})",
                    registry,
                )
            delay = policy.delay(attempt, retry_after)
        raise RegistryError(
            ErrorKind.UNREACHABLE, f"{problem} (after {policy.attempts} attempts)", registry
        )

    async def _sleep(self, delay: float, registry: str, problem: str) -> None:
        remaining = self._deadline - time.monotonic()
        if delay > remaining:
            raise RegistryError(
                ErrorKind.UNREACHABLE,
                f"{problem}; no time left to retry before the deadline",
                registry,
            )
        await asyncio.sleep(delay)
