"""Bitbucket Pipelines (``bitbucket-pipelines.yml``): build and service images, Docker pipes.

Every ``image`` is read, wherever it is — the top-level default, each step's,
``definitions.services.*.image`` — as a string or a mapping's ``name`` (with
``username``/``password`` beside it); and ``pipe: docker://image``. Anchors that
steps share are read once. ``pipe: atlassian/aws-s3-deploy:1.1.0`` names a pipe
in Bitbucket's catalogue, not an image.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.github_actions import DOCKER_SCHEME, docker_uri
from linter.extract.occurrence import FileScan, child, collections
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, is_string, values


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for path, _, mapping in collections(document):
        if not is_mapping(mapping):
            continue
        context = _context(path)
        for key, _, value in entries(mapping):
            where = child(path, key or "")
            if key == "image":
                image = next(iter(values(value, "name")), value) if is_mapping(value) else value
                where = child(where, "name") if is_mapping(value) else where
                yield from scan.image_value(image, yaml_path=where, context=f"{context} image")
            elif key == "pipe" and is_string(value) and value.value.startswith(DOCKER_SCHEME):
                yield from docker_uri(scan, value, where, f"{context} pipe")


def _context(path: str) -> str:
    if not path:
        return "pipeline"
    if path.startswith("definitions.services."):
        return f"service {path.split('.')[2]}"
    return "step"
