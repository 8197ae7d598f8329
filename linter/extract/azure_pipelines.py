"""Azure Pipelines (``azure-pipelines*.yml``, ``.azure-pipelines/**``): container images.

Read: the container resources (``resources.containers[].image``, and the
mappings of name to ``{image: …}`` that templates take as ``containers:``
parameters), and each job's ``container:`` — a string, or a mapping's
``image`` — and ``services:`` values. A ``container:`` or service that names a
container resource (``container: LinuxContainer``) is that resource, already
read; ``pool: {image: …}`` names an agent's virtual machine image, not a
container. Template expressions (``${{ parameters.image }}``, ``$(image)``) are
dynamic (IMG006).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child, collections, expression
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, is_sequence, is_string, string, values

#: Keys of a job (a mapping with one of these is a job, or a whole one-job pipeline).
JOB_KEYS = frozenset({"job", "deployment", "steps"})


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    resources: set[str] = set()
    for path, key, node in collections(document):
        if key == "pool":
            continue
        if key == "containers":
            for name, resource, where in _resources(node, path):
                resources.add(name)
                for image in values(resource, "image"):
                    context = f"container resource {name}"
                    yield from scan.image_value(
                        image, yaml_path=child(where, "image"), context=context
                    )
    for path, _, job in collections(document):
        if not is_mapping(job) or JOB_KEYS.isdisjoint(k for k, _, _ in entries(job)):
            continue
        label = f"job {string(job, 'job') or string(job, 'deployment') or path or 'pipeline'}"
        for container in values(job, "container"):
            where = child(path, "container")
            found = [(container, where)]
            if is_mapping(container):
                found = [(image, child(where, "image")) for image in values(container, "image")]
            for image, at in found:
                if not _is_resource(image, resources):
                    yield from scan.image_value(
                        image, yaml_path=at, context=f"{label} container", dynamic=_dynamic
                    )
        for services in values(job, "services"):
            for alias, _, service in entries(services) if is_mapping(services) else []:
                if alias is not None and not _is_resource(service, resources):
                    at = child(child(path, "services"), alias)
                    context = f"{label} service {alias}"
                    yield from scan.image_value(
                        service, yaml_path=at, context=context, dynamic=_dynamic
                    )


def _resources(node: Node, path: str) -> Iterator[tuple[str, Node, str]]:
    """Container resources: a list of ``{container: name, image: …}``, or a mapping of
    name to ``{image: …}`` (a template's parameter)."""
    if is_sequence(node):
        for index, item in enumerate(node.value):
            name = string(item, "container")
            if name is not None:
                yield name, item, child(path, index)
    elif is_mapping(node):
        for name, _, item in entries(node):
            if name is not None and is_mapping(item):
                yield name, item, child(path, name)


def _is_resource(node: Node, resources: set[str]) -> bool:
    return is_string(node) and node.value in resources


def _dynamic(value: str) -> str | None:
    """``${{ parameters.image }}`` (template) or ``$[ variables.tag ]`` (runtime), whole."""
    return expression(value, ("${{", "}}"), ("$[", "]"))
