"""What some custom resources mean by their fields, beyond the ``image:`` keys read everywhere.

Every custom resource is searched for ``image:`` strings (linter.extract.kubernetes):
that covers Tekton steps, sidecars and step templates, Argo Workflows
``container``/``script``/``containerSet``, Argo Rollouts, Knative and Crossplane
runtime configs, which embed pod specs or containers. Only the exceptions are
here: fields that name an image under another key, and ``image:`` fields that
are not an image that runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import FileScan, child
from linter.model import Occurrence
from linter.yamlnodes import Node, is_string, values

#: Flux image automation: ``ImageRepository.spec.image`` is a repository whose tags
#: are watched, never pulled (``image: ghcr.io/stefanprodan/podinfo``).
WATCHED_REPOSITORIES = frozenset({("image.toolkit.fluxcd.io", "ImageRepository")})
#: Crossplane packages: ``spec.package`` is the OCI image the package manager pulls.
PACKAGES = frozenset(
    {("pkg.crossplane.io", kind) for kind in ("Provider", "Function", "Configuration")}
)


def _group(api_version: str) -> str:
    return api_version.partition("/")[0]


def names_no_image(api_version: str, kind: str) -> bool:
    """A kind whose ``image:`` fields are not images that run."""
    return (_group(api_version), kind) in WATCHED_REPOSITORIES


def other_images(
    scan: FileScan, node: Node, path: str, label: str, api_version: str, kind: str
) -> Iterator[Occurrence]:
    """Images a custom resource names outside ``image:`` keys."""
    if (_group(api_version), kind) not in PACKAGES:
        return
    for spec in values(node, "spec"):
        for package in values(spec, "package"):
            if is_string(package) and package.value.strip() and scan.first_time(package):
                where = child(child(path, "spec"), "package")
                yield scan.image_scalar(package, yaml_path=where, context=f"{label} package")
