"""CircleCI: the images of ``docker:`` executors (``.circleci/config.yml``).

Every ``docker:`` list is read, wherever it is: in ``jobs``, in ``executors``,
and in the anchored templates real configurations keep elsewhere and merge into
jobs (``<<: *defaults``); each item's ``image`` is an image (the first is the
primary container, the others run beside it). ``machine: {image: …}`` names a
virtual machine image, not a container image. A whole
``<< pipeline.parameters.NAME >>`` is read at that parameter's ``default``, where
the fix goes; any other ``<< … >>`` is dynamic (IMG006).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child, collections, expression
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, is_sequence, is_string, values

_PARAMETER = re.compile(r"<<\s*(.*?)\s*>>", re.DOTALL)
PIPELINE_PARAMETER = "pipeline.parameters."


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    defaults = _pipeline_defaults(document)
    for path, key, docker in collections(document):
        if key != "docker" or not is_sequence(docker) or path.endswith("machine"):
            continue
        owner = _owner(path)
        for index, item in enumerate(docker.value):
            for image in values(item, "image"):
                where = child(child(path, index), "image")
                context = f"{owner} {'container' if index == 0 else 'service container'}"
                parameter = _PARAMETER.fullmatch(image.value.strip()) if is_string(image) else None
                name = parameter.group(1) if parameter else ""
                if (
                    name.startswith(PIPELINE_PARAMETER)
                    and name[len(PIPELINE_PARAMETER) :] in defaults
                ):
                    default = defaults[name[len(PIPELINE_PARAMETER) :]]
                    where = f"parameters.{name[len(PIPELINE_PARAMETER) :]}.default"
                    context = f"pipeline parameter {name[len(PIPELINE_PARAMETER) :]} ({context})"
                    yield from scan.image_value(default, yaml_path=where, context=context)
                else:
                    yield from scan.image_value(
                        image, yaml_path=where, context=context, dynamic=_dynamic
                    )


def _pipeline_defaults(document: Node) -> dict[str, Node]:
    """The ``default`` of each top-level pipeline parameter that has one."""
    found: dict[str, Node] = {}
    for parameters in values(document, "parameters"):
        for name, _, parameter in entries(parameters) if is_mapping(parameters) else []:
            for default in values(parameter, "default"):
                if name is not None and is_string(default):
                    found[name] = default
    return found


def _owner(path: str) -> str:
    """``job build`` for ``jobs.build.docker``, ``executor go`` for ``executors.go.docker``."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] in ("jobs", "executors"):
        return f"{parts[0][:-1]} {parts[1]}"
    return "CircleCI"


def _dynamic(value: str) -> str | None:
    return expression(value, ("<<", ">>"))
