"""A small GitHub REST client: auth headers, ``Link`` pagination, and rate-limit retries.

Requests go one at a time with a pause between mutations, as GitHub asks of
integrations; that is why this client is synchronous.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from linter import __version__

if TYPE_CHECKING:
    import httpx

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
#: Attempts per request before a rate limit or server error is given up on.
ATTEMPTS = 4
#: Waiting longer than this for a rate limit to reset is not worth a CI job's time.
MAX_WAIT = 300.0
#: Secondary rate limits without headers: wait at least a minute, then back off.
FALLBACK_WAIT = 60.0
#: GitHub asks for at least one second between content-creating requests.
MUTATION_INTERVAL = 1.0

_MUTATIONS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


class GitHubError(Exception):
    """A request GitHub refused or that failed; ``status`` is 0 for network errors."""

    def __init__(self, status: int, message: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.details = details


class ReadOnlyToken(GitHubError):
    """The token may read but not write (fork pull requests, missing ``permissions:``)."""


def _error_message(response: httpx.Response) -> tuple[str, tuple[str, ...]]:
    try:
        document = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase, ()
    if not isinstance(document, dict):
        return response.reason_phrase, ()
    details = tuple(
        str(e.get("message", e)) if isinstance(e, dict) else str(e)
        for e in document.get("errors", ())
    )
    return str(document.get("message", response.reason_phrase)), details


def rate_limit_wait(response: httpx.Response, attempt: int, now: float) -> float | None:
    """Seconds to wait before retrying ``response``, or None when it is not worth retrying.

    403 and 429 are rate limits when GitHub says so (``retry-after``, no requests
    remaining, or the message); any other 403 is a permission problem.
    """
    headers = response.headers
    if response.status_code in _RETRY_STATUSES:
        return 2.0 * 2.0**attempt
    if response.status_code not in (403, 429):
        return None
    if "retry-after" in headers:
        return _number(headers["retry-after"])
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        return max(0.0, _number(headers["x-ratelimit-reset"]) - now)
    if response.status_code == 429 or "rate limit" in response.text.lower():
        return FALLBACK_WAIT * 2.0**attempt
    return None


def _number(text: str) -> float:
    try:
        return max(0.0, float(text))
    except ValueError:
        return FALLBACK_WAIT


class GitHubClient:
    """Requests to one GitHub API root (``GITHUB_API_URL``) with one token."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        mutation_interval: float = MUTATION_INTERVAL,
    ) -> None:
        import httpx

        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"imagepin/{__version__}",
            },
            timeout=httpx.Timeout(30.0, connect=10.0),
            transport=transport,
            follow_redirects=True,
        )
        self._sleep = sleep
        self._clock = clock
        self._mutation_interval = mutation_interval
        self._last_mutation: float | None = None

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def request(self, method: str, url: str, *, json: Any = None, **params: Any) -> Any:
        """Send one request (retrying rate limits) and return the decoded JSON, or None."""
        response = self._send(method, url, json, params or None)
        return response.json() if response.content else None

    def paginate(self, url: str, **params: Any) -> Iterator[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"`` pages."""
        next_url: str | None = url
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **params}
        while next_url is not None:
            response = self._send("GET", next_url, None, query)
            yield from response.json()
            link = response.links.get("next")
            next_url = link.get("url") if link else None
            query = None  # the next link carries the whole query

    def _send(
        self, method: str, url: str, body: Any, params: dict[str, Any] | None
    ) -> httpx.Response:
        import httpx

        attempt = 0
        while True:
            if method in _MUTATIONS:
                self._space_mutations()
            last = attempt + 1 == ATTEMPTS
            try:
                response = self._http.request(method, url, json=body, params=params)
            except httpx.HTTPError as exc:
                if last:
                    raise GitHubError(0, f"{method} {url}: {exc}") from None
                self._sleep(2.0 * 2.0**attempt)
            else:
                if response.is_success:
                    return response
                wait = rate_limit_wait(response, attempt, self._clock())
                if wait is None or wait > MAX_WAIT or last:
                    raise self._error(method, url, response)
                self._sleep(wait)
            attempt += 1

    def _space_mutations(self) -> None:
        now = self._clock()
        if self._last_mutation is not None:
            pause = self._last_mutation + self._mutation_interval - now
            if pause > 0:
                self._sleep(pause)
                now += pause
        self._last_mutation = now

    @staticmethod
    def _error(method: str, url: str, response: httpx.Response) -> GitHubError:
        message, details = _error_message(response)
        text = f"{method} {url}: {response.status_code} {message}"
        if response.status_code == 403 and "not accessible" in message.lower():
            return ReadOnlyToken(403, text, details)
        return GitHubError(response.status_code, text, details)
