"""Drone (``.drone.yml``) and Woodpecker (``.woodpecker.yml``, ``.woodpecker/*.yml``) pipelines.

The ``image`` of every step and service: ``steps`` and ``services`` as lists
(Drone, Woodpecker) or as mappings of name to step (Woodpecker), Woodpecker's
older ``pipeline:`` mapping and its ``clone:`` steps. Anchors (Woodpecker keeps
images in ``variables: [&golang golang:1.22]``) are read once, where they are
written. ``${GO_VERSION}`` and other substitutions are dynamic (IMG006).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, is_sequence, string, values

#: Where steps are, and what to call one.
STEP_KEYS = {"steps": "step", "pipeline": "step", "services": "service", "clone": "clone step"}


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    pipeline = string(document, "name")
    for key, role in STEP_KEYS.items():
        for holder in values(document, key):
            for name, item in _items(holder):
                where = child(child(key, name), "image")
                label = string(item, "name") if isinstance(name, int) else name
                context = " ".join(p for p in (pipeline, role, str(label)) if p)
                for image in values(item, "image"):
                    yield from scan.image_value(image, yaml_path=where, context=context)


def _items(holder: Node) -> Iterator[tuple[str | int, Node]]:
    """A list's items by index, or a mapping's values by key."""
    if is_sequence(holder):
        yield from enumerate(holder.value)
    elif is_mapping(holder):
        yield from ((str(name), value) for name, _, value in entries(holder) if name is not None)
