"""GitHub Actions: workflow job containers and services, ``docker://`` steps, Docker actions.

In a workflow (``.github/workflows/*.yml``): ``jobs.<id>.container`` as a string
or as a mapping's ``image``, ``jobs.<id>.services.<name>.image``, and
``jobs.<id>.steps[].uses: docker://image``. In an action's metadata
(``action.yml``): ``runs.image: docker://image`` and ``runs.steps[].uses:
docker://image``. An expression (``${{ matrix.image }}``) makes an image dynamic.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child, expression
from linter.model import Occurrence, Span
from linter.yamlnodes import Node, entries, is_mapping, is_sequence, is_string, string, values

DOCKER_SCHEME = "docker://"
WORKFLOWS = ".github/workflows"
ACTION_FILE_NAMES = frozenset({"action.yml", "action.yaml"})


def is_workflow(path: str) -> bool:
    """A file directly in ``.github/workflows``, the only place GitHub reads workflows from."""
    directory = path.rpartition("/")[0]
    return directory == WORKFLOWS or directory.endswith("/" + WORKFLOWS)


def is_action(path: str) -> bool:
    return path.rpartition("/")[2] in ACTION_FILE_NAMES


def workflow(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    for jobs in values(document, "jobs"):
        for job_id, _, job in entries(jobs) if is_mapping(jobs) else []:
            path = child("jobs", str(job_id))
            context = f"job {job_id} container"
            for container in values(job, "container"):
                if is_mapping(container):
                    for image in values(container, "image"):
                        where = child(child(path, "container"), "image")
                        yield from _image(scan, image, where, context)
                else:
                    yield from _image(scan, container, child(path, "container"), context)
            for services in values(job, "services"):
                for name, _, service in entries(services) if is_mapping(services) else []:
                    where = child(child(path, "services"), str(name))
                    for image in values(service, "image"):
                        context = f"job {job_id} service {name}"
                        yield from _image(scan, image, child(where, "image"), context)
            yield from _steps(scan, job, path, f"job {job_id}")


def action(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    """A Docker action's ``runs.image``, and composite actions' ``docker://`` steps."""
    for runs in values(document, "runs"):
        for image in values(runs, "image"):
            if is_string(image) and image.value.startswith(DOCKER_SCHEME):
                yield from docker_uri(scan, image, "runs.image", "action")
        yield from _steps(scan, runs, "runs", "action")


def _steps(scan: FileScan, holder: Node, path: str, label: str) -> Iterator[Occurrence]:
    for steps in values(holder, "steps"):
        for index, step in enumerate(steps.value) if is_sequence(steps) else []:
            for uses in values(step, "uses"):
                if is_string(uses) and uses.value.startswith(DOCKER_SCHEME):
                    where = child(child(child(path, "steps"), index), "uses")
                    context = f"{label} step {string(step, 'name') or index}"
                    yield from docker_uri(scan, uses, where, context)


def _image(scan: FileScan, node: Node, yaml_path: str, context: str) -> Iterator[Occurrence]:
    yield from scan.image_value(node, yaml_path=yaml_path, context=context, dynamic=_dynamic)


def docker_uri(scan: FileScan, node: Node, yaml_path: str, context: str) -> Iterator[Occurrence]:
    """``docker://image``: the image is what follows the scheme."""
    if not scan.first_time(node):
        return
    scalar = scan.parsed.scalar(node)
    image = scalar.value[len(DOCKER_SCHEME) :]
    edit = scalar.edit
    yield scan.occurrence(
        scalar,
        image=image,
        yaml_path=yaml_path,
        context=context,
        edit=Span(edit.start + len(DOCKER_SCHEME), edit.end) if edit is not None else None,
        dynamic=_dynamic(image),
    )


def _dynamic(value: str) -> str | None:
    return expression(value, ("${{", "}}"))
