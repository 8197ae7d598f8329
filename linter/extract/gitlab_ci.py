"""GitLab CI: ``image`` and ``services`` at the top level, in ``default:`` and in every job.

Each is a string or a mapping with ``name`` (``image: {name: node:22,
entrypoint: [""]}``, ``services: [{name: postgres:16, alias: db}]``). Read in
``.gitlab-ci.yml``, in ``*.gitlab-ci.yml`` files, and in the local files a
``.gitlab-ci.yml`` includes (``include: local:``, globs too). A
variable (``$CI_REGISTRY_IMAGE``) or an input (``$[[ inputs.image ]]``) makes an
image dynamic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from linter.discovery import Excluder
from linter.extract.occurrence import FileScan, child, expression
from linter.model import Occurrence
from linter.paths import up_to_repository_root
from linter.yamlnodes import (
    Node,
    entries,
    file_documents,
    is_mapping,
    is_sequence,
    is_string,
    values,
)

if TYPE_CHECKING:
    from pathlib import Path

FILE_NAMES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
#: Top-level keys that are not jobs.
GLOBAL_KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "spec",
    }
)
#: How many files a chain of local includes may read, to end include cycles and bombs.
MAX_INCLUDED_FILES = 200


def is_gitlab_ci(path: str) -> bool:
    """``.gitlab-ci.yml``, or named like GitLab's own includes (``build.gitlab-ci.yml``)."""
    return path.endswith(FILE_NAMES)


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for key, _, value in entries(document):
        if key in ("image", "services"):
            yield from _field(scan, key, value, "", "pipeline")
        elif key == "default" or (key not in GLOBAL_KEYWORDS and key is not None):
            label = "default" if key == "default" else f"job {key}"
            for field in ("image", "services"):
                for found in values(value, field):
                    yield from _field(scan, field, found, child("", key), label)


def _field(scan: FileScan, key: str, value: Node, path: str, label: str) -> Iterator[Occurrence]:
    where = child(path, key)
    if key == "image":
        yield from _entry(scan, value, where, f"{label} image")
    elif is_sequence(value):
        for index, service in enumerate(value.value):
            yield from _entry(scan, service, child(where, index), f"{label} service")


def _entry(scan: FileScan, value: Node, path: str, context: str) -> Iterator[Occurrence]:
    """A string, or a mapping's ``name``."""
    if is_mapping(value):
        for name in values(value, "name"):
            yield from _entry(scan, name, child(path, "name"), context)
        return
    yield from scan.image_value(value, yaml_path=path, context=context, dynamic=_dynamic)


def _dynamic(value: str) -> str | None:
    return expression(value, ("$[[", "]]"))


def included(path: str) -> bool:
    """Whether the nearest ``.gitlab-ci.yml`` above ``path`` includes it as a local file."""
    absolute = os.path.abspath(path)
    found = _pipeline_root(os.path.dirname(absolute))
    if found is None:
        return False
    root, pipeline = found
    try:
        stat = os.stat(pipeline)
    except OSError:
        return False
    patterns = _local_includes(root, os.path.basename(pipeline), stat.st_mtime_ns, stat.st_size)
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    return bool(patterns) and Excluder(patterns)(relative)


def _pipeline_root(directory: str) -> tuple[str, str] | None:
    """The directory holding the pipeline file, searching up to the repository root."""
    for candidate in up_to_repository_root(directory):
        for name in FILE_NAMES:
            # os.path never raises: an unreadable directory is just not the root.
            if os.path.isfile(pipeline := os.path.join(candidate, name)):
                return candidate, pipeline
    return None


@lru_cache(maxsize=32)
def _local_includes(root: str, name: str, mtime: int, size: int) -> tuple[str, ...]:
    """The local include globs of ``root/name`` and of the files it includes, anchored at root.

    ``mtime`` and ``size`` are there to read the file again when it changes.
    """
    from pathlib import Path  # a GitLab pipeline's includes only: not loaded by a check

    base = Path(root)
    patterns: list[str] = []
    pending = [base / name]
    read: set[Path] = set()
    while pending and len(read) < MAX_INCLUDED_FILES:
        file = pending.pop()
        if file in read:
            continue
        read.add(file)
        for pattern in _includes(file):
            relative = pattern.strip().lstrip("/")
            # Local includes stay inside the repository.
            if relative and ".." not in relative.split("/"):
                patterns.append("/" + relative)
                pending += sorted(base.glob(relative))
    return tuple(patterns)


def _includes(file: Path) -> Iterator[str]:
    """The local paths a CI file includes: ``include: x.yml``, ``- local: x.yml``, …"""
    for document in file_documents(file):
        for include in values(document, "include"):
            items = include.value if is_sequence(include) else [include]
            for item in items:
                local = values(item, "local") if is_mapping(item) else [item]
                for node in local:
                    if is_string(node) and not node.value.startswith(("http://", "https://")):
                        yield node.value
