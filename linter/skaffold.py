"""The images Skaffold builds itself: manifests name them, no registry holds them.

Skaffold deploys its manifests with every image whose name is one of its
artifacts' (``build.artifacts[].image``, in profiles too) replaced by the image it
just built and tagged: ``image: frontend`` in a manifest is that build's output,
as ``image:`` is in a Compose service with ``build:``. There is nothing to
resolve or pin, so a run leaves those names unchecked, as ``ignore-images`` does.

The artifacts are read from the Skaffold configurations of the run's files and
from the repository root's (a pre-commit run is given the changed files only):
files named ``skaffold*.yaml`` or ``skaffold*.yml`` (Skaffold reads
``skaffold.yaml`` unless told otherwise). One that cannot be read adds nothing;
the file itself is linted, and reported, like any other.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from linter import paths
from linter.reference import parsed
from linter.yamlnodes import Node, file_documents, is_mapping, is_sequence, string, values


def is_config(path: str) -> bool:
    name = os.path.basename(path)
    return name.startswith("skaffold") and name.endswith((".yaml", ".yml"))


def built_images(files: Iterable[str], cwd: str) -> tuple[str, ...]:
    """The repository names (``docker.io/library/frontend``) Skaffold builds, from the
    configurations among ``files`` and at the root of the repository ``cwd`` is in."""
    configs = {os.path.abspath(path) for path in files if is_config(path)}
    *_, root = paths.up_to_repository_root(os.path.abspath(cwd))
    # Outside a repository there is no root to look in (the walk ends at the file system's).
    at_root = ("skaffold.yaml", "skaffold.yml") if os.path.exists(f"{root}/.git") else ()
    for name in at_root:
        if os.path.isfile(candidate := os.path.join(root, name)):
            configs.add(candidate)
    names = {name for config in sorted(configs) for name in _artifacts(config)}
    return tuple(sorted(names))


def _artifacts(path: str) -> Iterator[str]:
    for document in file_documents(path):
        if not is_mapping(document) or not (string(document, "apiVersion") or "").startswith(
            "skaffold/"
        ):
            continue
        builds = values(document, "build") + [
            build
            for profiles in values(document, "profiles")
            for profile in (profiles.value if is_sequence(profiles) else [])
            if is_mapping(profile)
            for build in values(profile, "build")
        ]
        for build in builds:
            yield from _names(build)


def _names(build: Node) -> Iterator[str]:
    if not is_mapping(build):
        return
    for artifacts in values(build, "artifacts"):
        for artifact in artifacts.value if is_sequence(artifacts) else []:
            image = string(artifact, "image") if is_mapping(artifact) else None
            if (reference := parsed((image or "").strip())) is not None:
                yield reference.name
