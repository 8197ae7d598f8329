"""What a registry may make us wait for and hold: each exchange bounded in time and in size.

httpx's timeouts bound each socket operation, so a server that sends a byte every
few seconds (a slow loris) never trips them: here the whole exchange, headers and
body, must end within the connect and read timeouts together. No manifest, config
blob or token answer needs more than 4 MiB (containerd refuses bigger manifests
too), so a longer body is refused after its first 4 MiB. Bodies are asked for
uncompressed and refused compressed, so the cap is on what we would hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import httpx

MAX_BODY = 4 * 1024 * 1024
T = TypeVar("T")


class AnswerRefused(httpx.RequestError):
    """A body over MAX_BODY, or a compressed one: not worth a retry, never read whole."""


async def exchange(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    """``transport``'s answer to ``request``, its body read within the time and size limits."""
    request.headers["Accept-Encoding"] = "identity"
    timeouts = request.extensions.get("timeout", {})
    budget = (timeouts.get("connect") or 0) + (timeouts.get("read") or 0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget if budget else None
    response = await _within(transport.handle_async_request(request), deadline, request)
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding != "identity":
        await response.aclose()
        raise AnswerRefused(
            f"{_what(request)}: compressed (Content-Encoding: {encoding[:40]}) although an "
            "uncompressed answer was asked for; refused",
            request=request,
        )
    assert isinstance(response.stream, httpx.AsyncByteStream)  # an async transport's answer
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=_Bounded(response.stream, deadline, request),
        extensions=response.extensions,
        request=request,
    )


def _what(request: httpx.Request) -> str:
    """``GET host/path``: no query string, which may carry an account name."""
    return f"{request.method} {request.url.netloc.decode('ascii')}{request.url.path}"


async def _within(step: Awaitable[T], deadline: float | None, request: httpx.Request) -> T:
    remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
    try:
        return await asyncio.wait_for(step, remaining)
    except asyncio.TimeoutError:
        raise httpx.ReadTimeout(
            f"{_what(request)}: no complete answer within the timeout", request=request
        ) from None


class _Bounded(httpx.AsyncByteStream):
    def __init__(
        self, inner: httpx.AsyncByteStream, deadline: float | None, request: httpx.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        size = 0
        while True:
            try:
                chunk = await _within(chunks.__anext__(), self._deadline, self._request)
            except StopAsyncIteration:
                return
            size += len(chunk)
            if size > MAX_BODY:
                raise AnswerRefused(
                    f"{_what(self._request)}: the answer is larger than "
                    f"{MAX_BODY // (1024 * 1024)} MiB; refused",
                    request=self._request,
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
