"""Kubernetes manifests: the containers of every pod spec, and custom resources' ``image:`` fields.

Built-in workloads are read where their pod spec is (docs/formats.md); any other
kind is searched whole for ``image:`` strings, which finds pod templates
embedded in custom resources (Argo Rollouts, Knative) and their own image
fields (Tekton steps, Argo Workflows, the Prometheus operator). Never images:
ConfigMap and Secret data, CRD schemas, ``rbd`` volumes (a Ceph image),
``image: auto`` (filled in by an injector), Helm values embedded in a custom
resource, and what Skaffold builds. docs/formats.md has the details.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract import crds, helm_values, kustomize
from linter.extract.occurrence import FileScan, child, under
from linter.model import Occurrence
from linter.yamlnodes import Node, entries, is_mapping, is_sequence, is_string, string, values

#: Where each built-in workload keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
#: Kinds whose content is data or schemas, never images in use.
DATA_KINDS = frozenset({"ConfigMap", "Secret", "CustomResourceDefinition"})
#: Lists of containers, and what to call one of their items.
CONTAINER_ROLES = {
    "containers": "container",
    "initContainers": "init container",
    "ephemeralContainers": "ephemeral container",
    "steps": "step",
    "sidecars": "sidecar",
}
POD_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
#: Keys whose values are never searched in custom resources: object metadata,
#: Ceph ``rbd`` volumes (their ``image`` is a block device), and Helm values
#: (``image`` there is a split field such as Istio's ``proxyv2`` next to ``hub``).
SKIPPED_KEYS = frozenset({"metadata", "rbd", "values", "valuesObject"})
#: Skaffold's ``artifacts[].image`` names what Skaffold builds and tags itself.
SKAFFOLD_SKIPPED_KEYS = SKIPPED_KEYS | {"artifacts"}
#: Set by a sidecar injector (Istio) when the pod is created.
INJECTED = "auto"
FLUX_KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/"


#: How Helm values embedded in a custom resource are read: no chart is at hand.
REMOTE_CHART = helm_values.Chart()


def extract(
    scan: FileScan, document: Node, chart: helm_values.Chart = REMOTE_CHART
) -> Iterator[Occurrence]:
    """``chart``: what Helm values embedded in a custom resource (a Flux HelmRelease's
    ``spec.values``) are read with (``helm-digest-in-tag``)."""
    yield from _object(scan, document, "", chart)


def _object(
    scan: FileScan, node: Node, path: str, chart: helm_values.Chart
) -> Iterator[Occurrence]:
    # Once per object: aliases can list one twice, or a List inside itself.
    if not is_mapping(node) or not scan.first_time(node):
        return
    kind = string(node, "kind") or ""
    api_version = string(node, "apiVersion") or ""
    label = _label(node, kind)
    items = [item for item in values(node, "items") if is_sequence(item)]
    if kind.endswith("List") and items:
        for sequence in items:
            for index, item in enumerate(sequence.value):
                yield from _object(scan, item, child(child(path, "items"), index), chart)
    elif kind in POD_SPEC_PATHS:
        for spec, spec_path in under(node, POD_SPEC_PATHS[kind], path):
            yield from _pod_spec(scan, spec, spec_path, label)
    elif kind == "Kustomization" and api_version.startswith(FLUX_KUSTOMIZE_API):
        for spec in values(node, "spec"):
            yield from kustomize.images(scan, spec, child(path, "spec"))
    elif kind not in DATA_KINDS and not crds.names_no_image(api_version, kind):
        skipped = SKAFFOLD_SKIPPED_KEYS if api_version.startswith("skaffold/") else SKIPPED_KEYS
        yield from _custom_resource(scan, node, path, label, skipped)
        yield from crds.other_images(scan, node, path, label, api_version, kind, chart)


def _label(node: Node, kind: str) -> str:
    name = next((string(m, "name") for m in values(node, "metadata")), None)
    return f"{kind}/{name}" if name else kind


def _pod_spec(scan: FileScan, spec: Node, path: str, label: str) -> Iterator[Occurrence]:
    # In written order, so an anchored container is reported where the anchor is.
    for key, _, value in entries(spec):
        if key in POD_CONTAINER_LISTS and is_sequence(value):
            for index, container in enumerate(value.value):
                item_path = child(child(path, key), index)
                context = _context(label, CONTAINER_ROLES[key], string(container, "name") or index)
                for image in values(container, "image"):
                    if _unreported_image(scan, image):
                        yield scan.image_scalar(
                            image, yaml_path=child(item_path, "image"), context=context
                        )
        elif key == "volumes" and is_sequence(value):
            yield from _image_volumes(scan, value, child(path, key), label)


def _image_volumes(scan: FileScan, volumes: Node, path: str, label: str) -> Iterator[Occurrence]:
    """Image volumes (Kubernetes 1.31+): an OCI image mounted as a volume."""
    for index, volume in enumerate(volumes.value):
        for source in values(volume, "image"):
            for reference in values(source, "reference"):
                if _unreported_image(scan, reference):
                    yield scan.image_scalar(
                        reference,
                        yaml_path=f"{path}[{index}].image.reference",
                        context=_context(label, "volume", string(volume, "name") or index),
                    )


def _custom_resource(
    scan: FileScan, node: Node, path: str, label: str, skipped: frozenset[str]
) -> Iterator[Occurrence]:
    """Every ``image:`` string in the document, outside ``skipped`` keys."""
    # Iterative, and each collection once: aliases can make a graph, even a cycle.
    stack: list[tuple[Node, str, str]] = [(node, path, "")]
    entered: set[int] = set()
    while stack:
        current, current_path, parent_key = stack.pop()
        if id(current) in entered:
            continue
        entered.add(id(current))
        children: list[tuple[Node, str, str]] = []
        if is_sequence(current):
            children = [
                (item, child(current_path, index), parent_key)
                for index, item in enumerate(current.value)
            ]
        elif is_mapping(current):
            for key, _, value in entries(current):
                if key == "image" and _unreported_image(scan, value):
                    yield scan.image_scalar(
                        value,
                        yaml_path=child(current_path, key),
                        context=_context(
                            label,
                            CONTAINER_ROLES.get(parent_key, "container"),
                            string(current, "name"),
                        ),
                    )
                elif key is not None and key not in skipped:
                    children.append((value, child(current_path, key), key))
        # Reversed, so they come off the stack in written order: anchors before aliases.
        stack += reversed(children)


def _context(label: str, role: str, name: str | int | None) -> str:
    """``Deployment/web container app``; just the label when the item has no name."""
    parts = (label, role, str(name)) if name is not None else (label,)
    return " ".join(part for part in parts if part)


def _unreported_image(scan: FileScan, node: Node) -> bool:
    """A non-empty string other than ``auto``, not reported before (through an anchor)."""
    return (
        is_string(node)
        and node.value.strip() != ""
        and node.value != INJECTED
        and scan.first_time(node)
    )
