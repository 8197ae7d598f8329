"""When to try again: exponential backoff with jitter; ``Retry-After`` (seconds or HTTP-date)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

#: Answers worth another attempt: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RANDOM = random.Random()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    #: First backoff; it doubles each attempt up to ``cap``.
    base: float = 0.25
    cap: float = 8.0
    #: A server may ask for longer than ``cap``, within reason.
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
