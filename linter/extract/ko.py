"""ko (``.ko.yaml``): the base images ko builds Go binaries on.

``defaultBaseImage``, and ``baseImageOverrides`` (import path → base image).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, values


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for image in values(document, "defaultBaseImage"):
        yield from scan.image_value(image, yaml_path="defaultBaseImage", context="ko default base")
    for overrides in values(document, "baseImageOverrides"):
        for path, _, image in entries(overrides) if is_mapping(overrides) else []:
            where = child("baseImageOverrides", path or "")
            yield from scan.image_value(image, yaml_path=where, context=f"ko base for {path}")
