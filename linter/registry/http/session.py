"""The httpx client every registry request goes through: redirects followed, no proxy
settings of its own (the transports decide), and no cookie jar.

The distribution API is stateless: no registry needs a cookie back, and a jar would
carry state from one registry's answers into the next request. httpx fills its jar
from every response (an http.cookiejar pass and an email.message per answer) and
sends it on a redirect's request; this client's jar keeps nothing, as skopeo's
HTTP client keeps nothing.
"""

from __future__ import annotations

import httpx

USER_AGENT = "imagepin (+https://github.com/imagepin/imagepin)"


class _Jarless(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing a response sets."""

    def set_cookie_header(self, request: httpx.Request) -> None:
        """Send nothing: nothing is kept."""


_NONE = _Jarless()


class _CookielessClient(httpx.AsyncClient):
    @property
    def cookies(self) -> httpx.Cookies:
        return _NONE

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("the registry client keeps no cookies")


def registry_http(transport: httpx.AsyncBaseTransport, timeout: float) -> httpx.AsyncClient:
    return _CookielessClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        trust_env=False,
    )
