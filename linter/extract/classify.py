"""What each YAML document is: Kubernetes, Compose, Kustomization, Helm template, other, empty."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from linter.yamlnodes import Node, entries, is_mapping, is_null, string, values

KUBERNETES = "kubernetes"
COMPOSE = "compose"
KUSTOMIZATION = "kustomization"
HELM_TEMPLATE = "helm-template"
OTHER = "other"
EMPTY = "empty"

KUSTOMIZATION_FILE_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
KUSTOMIZE_API = "kustomize.config.k8s.io/"
#: Top-level keys of the Compose specification (``x-`` extensions aside).
COMPOSE_KEYS = frozenset(
    {
        "version",
        "name",
        "services",
        "networks",
        "volumes",
        "configs",
        "secrets",
        "include",
        "models",
    }
)
_COMPOSE_FILE_NAME = re.compile(r"(?:docker-)?compose(?:[.-].*)?\.ya?ml", re.IGNORECASE)
_TEMPLATE_DIRECTIVE_LINE = re.compile(r"^[ \t]*\{\{", re.MULTILINE)


def document_kind(path: str, document: Node) -> str:
    """The kind of one document of the file at display path ``path``."""
    if is_null(document):
        return EMPTY
    if not is_mapping(document):
        return OTHER
    api_version, kind = string(document, "apiVersion"), string(document, "kind")
    name = PurePosixPath(path).name
    if (api_version or "").startswith(KUSTOMIZE_API) or (
        name in KUSTOMIZATION_FILE_NAMES and not (api_version and kind)
    ):
        return KUSTOMIZATION
    if api_version and kind:
        return KUBERNETES
    if any(is_mapping(services) for services in values(document, "services")) and (
        _COMPOSE_FILE_NAME.fullmatch(name) or _only_compose_keys(document)
    ):
        return COMPOSE
    return OTHER


def _only_compose_keys(document: Node) -> bool:
    return all(
        key in COMPOSE_KEYS or (key or "").startswith("x-") for key, _, _ in entries(document)
    )


def in_chart_templates(path: str, text: str) -> bool:
    """A file in a ``templates/`` directory that uses ``{{ }}``: a Helm chart template."""
    return "templates" in PurePosixPath(path).parts[:-1] and "{{" in text


def looks_templated(text: str, error_line: int) -> bool:
    """Whether a parse failure comes from ``{{ }}`` templating rather than a YAML mistake."""
    if _TEMPLATE_DIRECTIVE_LINE.search(text):
        return True
    lines = text.split("\n")
    return error_line <= len(lines) and "{{" in lines[error_line - 1]
