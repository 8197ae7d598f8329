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

from linter.extract import helm_values
from linter.extract.occurrence import FileScan, child, collections, under
from linter.model import Occurrence
from linter.yamlnodes import Node, is_mapping, is_sequence, is_string, string, values

#: Flux image automation: ``ImageRepository.spec.image`` is a repository whose tags
#: are watched, never pulled (``image: ghcr.io/stefanprodan/podinfo``).
WATCHED_REPOSITORIES = frozenset({("image.toolkit.fluxcd.io", "ImageRepository")})
#: Crossplane packages: ``spec.package`` is the OCI image the package manager pulls.
PACKAGES = frozenset(
    {("pkg.crossplane.io", kind) for kind in ("Provider", "Function", "Configuration")}
)
#: Tekton references to tasks and pipelines, which a bundle (an OCI image) can hold.
TEKTON_REFERENCES = frozenset({"taskRef", "pipelineRef"})
#: Helm values embedded in a custom resource: where, by kind (the chart is not local).
EMBEDDED_VALUES = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): (("spec", "values"),),
    ("argoproj.io", "Application"): (
        ("spec", "source", "helm", "valuesObject"),
        ("spec", "sources", "helm", "valuesObject"),
    ),
    ("argoproj.io", "ApplicationSet"): (
        ("spec", "template", "spec", "source", "helm", "valuesObject"),
        ("spec", "template", "spec", "sources", "helm", "valuesObject"),
    ),
}


def _group(api_version: str) -> str:
    return api_version.partition("/")[0]


def names_no_image(api_version: str, kind: str) -> bool:
    """A kind whose ``image:`` fields are not images that run."""
    return (_group(api_version), kind) in WATCHED_REPOSITORIES


def other_images(
    scan: FileScan,
    node: Node,
    path: str,
    label: str,
    api_version: str,
    kind: str,
    chart: helm_values.Chart,
) -> Iterator[Occurrence]:
    """Images a custom resource names outside ``image:`` keys."""
    group = _group(api_version)
    yield from _bundles(scan, node, path, label)
    for keys in EMBEDDED_VALUES.get((group, kind), ()):
        for values_node, where in under(node, keys, path):
            yield from helm_values.extract(scan, values_node, chart, where)
    if (group, kind) not in PACKAGES:
        return
    for spec in values(node, "spec"):
        for package in values(spec, "package"):
            if is_string(package) and package.value.strip() and scan.first_time(package):
                where = child(child(path, "spec"), "package")
                yield scan.image_scalar(package, yaml_path=where, context=f"{label} package")


def _bundles(scan: FileScan, node: Node, path: str, label: str) -> Iterator[Occurrence]:
    """Tekton bundles: ``taskRef``/``pipelineRef`` with ``resolver: bundles`` and a
    ``bundle`` parameter, or the older ``bundle:`` field."""
    if not any(scan.mentions(key) for key in TEKTON_REFERENCES):
        return
    for where, key, reference in collections(node, path):
        if key not in TEKTON_REFERENCES or not is_mapping(reference):
            continue
        name = string(reference, "name")
        context = f"{label} bundle" + (f" of {name}" if name else "")
        for bundle in values(reference, "bundle"):
            yield from scan.image_value(bundle, yaml_path=child(where, "bundle"), context=context)
        if string(reference, "resolver") != "bundles":
            continue
        for params in values(reference, "params"):
            for index, param in enumerate(params.value) if is_sequence(params) else []:
                if string(param, "name") == "bundle":
                    at = child(child(child(where, "params"), index), "value")
                    for value in values(param, "value"):
                        yield from scan.image_value(value, yaml_path=at, context=context)
