"""Google Cloud Build (``cloudbuild.yaml``): the image each step runs, ``steps[].name``.

``images:`` lists what the build pushes, its output: not images it uses.
Substitutions (``$PROJECT_ID``, ``${_VERSION}``) are dynamic (IMG006).

The steps share one Docker daemon, so a step may run an image an earlier step
built (``docker build -t NAME``) or tagged (``docker tag SOURCE NAME``): that name
is the build's own output, as ``image:`` is in a Compose service with ``build:``,
and no registry holds it to pin. Only the Docker builder's argument lists are
read; a shell script's ``docker build`` is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from linter.extract.occurrence import FileScan, child
from linter.model import Occurrence
from linter.reference import parsed
from linter.yamlnodes import Node, is_sequence, is_string, string, values

#: ``docker build`` options whose value names the image built.
_TAG_OPTIONS = ("-t", "--tag")


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    built: set[str] = set()
    for steps in values(document, "steps"):
        for index, step in enumerate(steps.value) if is_sequence(steps) else []:
            label = string(step, "id") or index
            for name in values(step, "name"):
                if built and is_string(name) and _same_image(name.value) in built:
                    continue
                where = child(child("steps", index), "name")
                yield from scan.image_value(name, yaml_path=where, context=f"step {label}")
            built.update(_same_image(made) for made in _images_made(step))


def _images_made(step: Node) -> list[str]:
    """The image names a step of the Docker builder leaves in the daemon: each tag of a
    ``docker build`` (or ``buildx build``), the target of a ``docker tag``."""
    if not _runs_docker(step):
        return []
    args = [
        item.value
        for arguments in values(step, "args")
        for item in (arguments.value if is_sequence(arguments) else [])
        if is_string(item)
    ]
    if args[:1] == ["buildx"]:
        args = args[1:]
    if args[:1] == ["tag"]:
        return args[2:3]
    return _build_tags(args[1:]) if args[:1] == ["build"] else []


def _runs_docker(step: Node) -> bool:
    """Whether the step's arguments go to the Docker CLI: its ``entrypoint`` is ``docker``,
    or it has none and runs a ``docker`` image (Cloud Build's Docker builder)."""
    entrypoint = string(step, "entrypoint")
    if entrypoint is not None:
        return entrypoint.rsplit("/", 1)[-1] == "docker"
    builder = parsed((string(step, "name") or "").strip())
    return builder is not None and builder.path.rsplit("/", 1)[-1] == "docker"


def _build_tags(options: Sequence[str]) -> list[str]:
    tags: list[str] = []
    for position, option in enumerate(options):
        if option in _TAG_OPTIONS:
            tags += options[position + 1 : position + 2]
        elif option.startswith("--tag="):
            tags.append(option.removeprefix("--tag="))
        elif option.startswith("-t"):
            tags.append(option.removeprefix("-t"))
    return tags


def _same_image(text: str) -> str:
    """What Docker makes of a name (``app`` and ``docker.io/library/app:latest`` are one
    image); a name with a substitution is compared as written."""
    reference = parsed(text.strip())
    if reference is None:
        return text.strip()
    return str(reference.with_tag(reference.effective_tag))
