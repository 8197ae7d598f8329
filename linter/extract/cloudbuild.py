"""Google Cloud Build (``cloudbuild.yaml``): the image each step runs, ``steps[].name``.

``images:`` lists what the build pushes, its output: not images it uses.
Substitutions (``$PROJECT_ID``, ``${_VERSION}``) are dynamic (IMG006).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child
from linter.model import Occurrence
from linter.yamlnodes import Node, is_sequence, string, values


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for steps in values(document, "steps"):
        for index, step in enumerate(steps.value) if is_sequence(steps) else []:
            label = string(step, "id") or index
            for name in values(step, "name"):
                where = child(child("steps", index), "name")
                yield from scan.image_value(name, yaml_path=where, context=f"step {label}")
