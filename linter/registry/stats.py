"""What a run did: requests sent, tokens fetched, cache hits, and which registries failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linter.model import ErrorKind

if TYPE_CHECKING:
    from linter.registry.trace import Tracer


@dataclass
class RunStats:
    #: HTTP exchanges sent (registry and token servers, retries included).
    requests: int = 0
    token_requests: int = 0
    cache_hits: int = 0
    #: Registry -> the first reason it failed (unreachable or refused us), one line each.
    registries_failed: dict[str, str] = field(default_factory=dict)
    #: Told about each exchange and cache answer (linter.registry.trace), when set.
    tracer: Tracer | None = None

    def record_failure(self, kind: ErrorKind, registry: str, message: str) -> None:
        """Remember why ``registry`` failed; not-found and invalid answers are per reference."""
        if kind in (ErrorKind.UNREACHABLE, ErrorKind.AUTH):
            self.registries_failed.setdefault(registry, message)
