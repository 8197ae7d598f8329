"""What a resolution run may do and needs to know: :class:`RegistryOptions`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from linter.config import Config, ConfigError
from linter.records import Record
from linter.registry.trace import Tracer
from linter.signatures import NamedKey

#: Scopes asked for in one token request. The token's access list grows with each one;
#: 16 keep it far below the 8 KiB header line that common proxies accept.
BATCH_SCOPES = 16


class RegistryOptions(Record):
    platform: str | None = None
    #: Requests in flight, in all and per registry host.
    concurrency: int = 32
    per_registry: int = 16
    #: host[:port] allowed plain HTTP or unverified TLS (loopback hosts may use HTTP anyway).
    insecure: tuple[str, ...] = ()
    #: Repository prefix (``docker.io``, ``docker.io/library``) -> mirror locations, tried in order.
    mirrors: Mapping[str, tuple[str, ...]] = {}
    #: None: no persistent cache.
    cache_dir: Path | None = None
    cache_ttl: int = 600
    need_platforms: bool = False
    #: What the trust policy needs of the deployed digest (docs/policy.md): its creation
    #: time (IMG012) and its signatures (IMG010), checked with these cosign public keys.
    need_created: bool = False
    need_signatures: bool = False
    signature_keys: tuple[NamedKey, ...] = ()
    #: Seconds per request, and for the whole run.
    timeout: float = 10.0
    deadline: float = 120.0
    #: Told about each registry exchange and cache answer (``-v``, ``--trace``).
    tracer: Tracer | None = None

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        no_cache: bool = False,
        cache_dir: str | None = None,
        insecure: Sequence[str] = (),
        platform: str | None = None,
        concurrency: int | None = None,
    ) -> RegistryOptions:
        """Options from the configuration, command-line values winning; ConfigError if invalid."""
        from linter.registry.facts.platforms import Platform

        chosen = platform or config.platform
        if chosen is not None:
            try:
                Platform.parse(chosen)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        if concurrency is not None and concurrency < 1:
            raise ConfigError(f"--concurrency must be at least 1, not {concurrency}")
        directory = None if no_cache else Path(cache_dir) if cache_dir else default_cache_dir()
        total = concurrency or config.concurrency
        return cls(
            platform=chosen,
            concurrency=total,
            per_registry=max(1, min(16, total)),
            insecure=tuple(dict.fromkeys((*config.insecure_registries, *insecure))),
            mirrors=dict(config.mirrors),
            cache_dir=directory,
            cache_ttl=config.cache_ttl,
            need_platforms=bool(config.required_platforms),
        )


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/imagepin``, or ``~/.cache/imagepin``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "imagepin"
