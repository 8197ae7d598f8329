"""What a run did: requests sent, tokens fetched, cache hits, and which registries failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.model import ErrorKind

if TYPE_CHECKING:
    from linter.registry.trace import Tracer


class RunStats:
    """Counted as the run goes: a plain class with ``__slots__`` (docs/decisions.md)."""

    __slots__ = ("cache_hits", "registries_failed", "requests", "token_requests", "tracer")

    def __init__(self, *, tracer: Tracer | None = None) -> None:
        #: HTTP exchanges sent (registry and token servers, retries included).
        self.requests = 0
        self.token_requests = 0
        self.cache_hits = 0
        #: Registry -> the first reason it failed (unreachable or refused us), one line each.
        self.registries_failed: dict[str, str] = {}
        #: Told about each exchange and cache answer (linter.registry.trace), when set.
        self.tracer = tracer

    def __repr__(self) -> str:
        return (
            f"RunStats(requests={self.requests}, token_requests={self.token_requests}, "
            f"cache_hits={self.cache_hits}, registries_failed={self.registries_failed!r})"
        )

    def record_failure(self, kind: ErrorKind, registry: str, message: str) -> None:
        """Remember why ``registry`` failed; not-found and invalid answers are per reference."""
        if kind in (ErrorKind.UNREACHABLE, ErrorKind.AUTH):
            self.registries_failed.setdefault(registry, message)
