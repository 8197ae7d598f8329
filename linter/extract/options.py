"""What the configuration says about reading formats (``helm-values``, ``helm-digest-in-tag``)."""

from __future__ import annotations

from dataclasses import dataclass

from linter.config import Config


@dataclass(frozen=True)
class FormatOptions:
    #: Globs of files read as Helm values, besides ``values*.yaml`` next to a ``Chart.yaml``;
    #: matched like ``exclude`` against the path as shown.
    helm_values: tuple[str, ...] = ()
    #: Pin a Helm image whose chart has no ``digest`` field by writing ``tag: "x@sha256:…"``.
    helm_digest_in_tag: bool = False

    @classmethod
    def from_config(cls, config: Config) -> FormatOptions:
        return cls(config.helm_values, config.helm_digest_in_tag)
