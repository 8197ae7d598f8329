"""What the configuration says about reading formats (``helm-values``, ``helm-digest-in-tag``,
``marker-files``, ``regex-extractors``)."""

from __future__ import annotations

from linter.config import Config, RegexExtractor
from linter.records import Record


class FormatOptions(Record):
    #: Globs of files read as Helm values, besides ``values*.yaml`` next to a ``Chart.yaml``;
    #: matched like ``exclude`` against the path as shown.
    helm_values: tuple[str, ...] = ()
    #: Pin a Helm image whose chart has no ``digest`` field by writing ``tag: "x@sha256:…"``.
    helm_digest_in_tag: bool = False
    #: Globs of files read as text, for lines marked ``imagepin: image``.
    marker_files: tuple[str, ...] = ()
    #: Patterns whose ``image`` group is a reference, each in the files its globs name.
    regex_extractors: tuple[RegexExtractor, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> FormatOptions:
        return cls(
            config.helm_values,
            config.helm_digest_in_tag,
            config.marker_files,
            config.regex_extractors,
        )
