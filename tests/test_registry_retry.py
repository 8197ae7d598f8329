from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from linter.registry.http.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        (formatdate(NOW + 30, usegmt=True), 30.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        # A date in the past means now.
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(0, 0.125, 0.25), (1, 0.25, 0.5), (2, 0.5, 1.0), (3, 1.0, 2.0), (10, 4.0, 8.0)],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt: int, low: float, high: float) -> None:
    policy = RetryPolicy(base=0.25, cap=8.0)
    rng = random.Random(1)
    delays = [policy.backoff(attempt, rng) for _ in range(200)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 100  # jittered: concurrent runs do not retry in lockstep


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(7.0, 7.0), (0.0, 0.0), (3600.0, 30.0)],
)
def test_retry_after_is_honoured_within_a_cap(retry_after: float, expected: float) -> None:
    assert RetryPolicy(retry_after_cap=30.0).delay(0, retry_after) == expected


def test_delay_without_retry_after_is_the_backoff() -> None:
    assert 0.125 <= RetryPolicy(base=0.25).delay(0, None) <= 0.25


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (500, True), (503, True), (404, False), (401, False), (501, False)],
)
def test_retry_statuses(status: int, retried: bool) -> None:
    assert (status in RETRY_STATUSES) is retried
