"""What each file and YAML document is: Kubernetes, Compose, Kustomization, CI, Helm, …

A few formats are known by the file's name and place (a Dockerfile, a GitHub
workflow, ``.gitlab-ci.yml``, Helm values next to a ``Chart.yaml``); the
others by each document's content.
"""

from __future__ import annotations

import os
import re
from functools import cache

from linter.discovery import COMPOSE_FILE_NAME, Excluder, file_format
from linter.extract import github_actions, gitlab_ci
from linter.extract.options import FormatOptions
from linter.lazyre import on_first_use
from linter.yamlnodes import Node, entries, is_mapping, is_null, string, values

KUBERNETES = "kubernetes"
COMPOSE = "compose"
KUSTOMIZATION = "kustomization"
HELM_TEMPLATE = "helm-template"
DOCKERFILE = "dockerfile"
GITHUB_WORKFLOW = "github-workflow"
GITHUB_ACTION = "github-action"
GITLAB_CI = "gitlab-ci"
HELM_VALUES = "helm-values"
CIRCLECI = "circleci"
BITBUCKET = "bitbucket-pipelines"
AZURE_PIPELINES = "azure-pipelines"
DRONE = "drone"
WOODPECKER = "woodpecker"
CLOUD_BUILD = "cloud-build"
KO = "ko"
DEVCONTAINER = "devcontainer"
QUADLET = "quadlet"
#: A file read only for marked lines and configured patterns (``marker-files``,
#: ``regex-extractors``): its name says no format, so it is not parsed.
TEXT = "text"
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
_TEMPLATE_DIRECTIVE_LINE = on_first_use(r"^[ \t]*\{\{", re.MULTILINE)
#: Keys whose value an extractor reads as an image, in any YAML format (docs/formats.md).
IMAGE_KEYS = (
    "image",
    "newTag",
    "newName",
    "package",
    "bundle",
    "container",
    "defaultBaseImage",
    "baseImageOverrides",
)
#: More keys, where the file's name says its format.
FORMAT_IMAGE_KEYS = {
    GITLAB_CI: ("services",),
    HELM_VALUES: ("repository", "tag"),
    CLOUD_BUILD: ("name",),
    BITBUCKET: ("pipe",),
    AZURE_PIPELINES: ("services",),
}
_HELM_VALUES_NAME = re.compile(r"values[^/]*\.ya?ml")
CHART_FILE = "Chart.yaml"


#: CI systems and tools whose configuration files have a fixed name.
NAMED_FILES = {
    "bitbucket-pipelines.yml": BITBUCKET,
    "bitbucket-pipelines.yaml": BITBUCKET,
    ".drone.yml": DRONE,
    ".drone.yaml": DRONE,
    ".woodpecker.yml": WOODPECKER,
    ".woodpecker.yaml": WOODPECKER,
    "cloudbuild.yaml": CLOUD_BUILD,
    "cloudbuild.yml": CLOUD_BUILD,
    ".ko.yaml": KO,
    ".ko.yml": KO,
}
_AZURE_PIPELINES_NAME = re.compile(r"azure-pipelines[^/]*\.ya?ml")


def file_kind(path: str, options: FormatOptions) -> str | None:
    """The format every document of the file at display path ``path`` has, by its name and place."""
    by_name = file_format(path)
    if by_name in (DOCKERFILE, DEVCONTAINER, QUADLET):
        return by_name
    if github_actions.is_workflow(path):
        return GITHUB_WORKFLOW
    if gitlab_ci.is_gitlab_ci(path):
        return GITLAB_CI
    if is_helm_values(path, options):
        return HELM_VALUES
    by_place = _ci_kind(path)
    if by_place is None and by_name is None and _read_as_text(path, options):
        return TEXT
    return by_place


def _read_as_text(path: str, options: FormatOptions) -> bool:
    """A file the ``marker-files`` or ``regex-extractors`` globs name."""
    if options.marker_files and Excluder(options.marker_files)(path):
        return True
    if not options.regex_extractors:
        return False
    from linter.extract import regex

    return regex.applies(path, options.regex_extractors)


def _ci_kind(path: str) -> str | None:
    """CircleCI, Bitbucket, Azure Pipelines, Drone, Woodpecker, Cloud Build, ko: by name."""
    *directories, name = path.split("/")
    parent = directories[-1] if directories else ""
    if name in NAMED_FILES:
        return NAMED_FILES[name]
    if parent == ".circleci" and name in ("config.yml", "config.yaml"):
        return CIRCLECI
    if not name.endswith((".yml", ".yaml")):
        return None
    if _AZURE_PIPELINES_NAME.fullmatch(name) or ".azure-pipelines" in directories:
        return AZURE_PIPELINES
    if parent == ".woodpecker":
        return WOODPECKER
    return None


def is_helm_values(path: str, options: FormatOptions) -> bool:
    """``values*.yaml`` next to a ``Chart.yaml``, or a file the ``helm-values`` globs name."""
    beside_chart = _HELM_VALUES_NAME.fullmatch(path.rpartition("/")[2]) is not None and (
        os.path.isfile(os.path.join(os.path.dirname(path), CHART_FILE))
    )
    return beside_chart or (bool(options.helm_values) and Excluder(options.helm_values)(path))


def document_kind(path: str, document: Node, in_file: str | None = None) -> str:
    """The kind of one document of the file at display path ``path``.

    ``in_file`` is the file's kind when its name or place decides (file_kind).
    """
    if is_null(document):
        return EMPTY
    if not is_mapping(document):
        return OTHER
    if in_file is not None:
        return in_file
    api_version, kind = string(document, "apiVersion"), string(document, "kind")
    name = path.rpartition("/")[2]
    if (api_version or "").startswith(KUSTOMIZE_API) or (
        name in KUSTOMIZATION_FILE_NAMES and not (api_version and kind)
    ):
        return KUSTOMIZATION
    if api_version and kind:
        return KUBERNETES
    if any(is_mapping(services) for services in values(document, "services")) and (
        COMPOSE_FILE_NAME.fullmatch(name) or _only_compose_keys(document)
    ):
        return COMPOSE
    if github_actions.is_action(path) and any(is_mapping(r) for r in values(document, "runs")):
        return GITHUB_ACTION
    return OTHER


def _only_compose_keys(document: Node) -> bool:
    return all(
        key in COMPOSE_KEYS or (key or "").startswith("x-") for key, _, _ in entries(document)
    )


def in_chart_templates(path: str, text: str) -> bool:
    """A file in a ``templates/`` directory that uses ``{{ }}``: a Helm chart template."""
    return "templates" in path.split("/")[:-1] and "{{" in text


def shows_image_key(text: str, in_file: str | None) -> bool:
    """Whether ``text`` has a key whose value imagepin would read as an image, starting a
    line (``image:``, ``- image:``) or in flow style (``{"image":``, ``, image:``), or a
    ``docker://`` image: a file that does not parse is a finding (IMG000) only then."""
    return "docker://" in text or _image_key_pattern(in_file).search(text) is not None


@cache
def _image_key_pattern(in_file: str | None) -> re.Pattern[str]:
    keys = "|".join(IMAGE_KEYS + FORMAT_IMAGE_KEYS.get(in_file or "", ()))
    return re.compile(
        rf"(?:^\ufeff?[ \t]*(?:-[ \t]+)*|[{{,][ \t]*)[\"']?(?:{keys})[\"']?[ \t]*:", re.MULTILINE
    )


def looks_templated(text: str, error_line: int) -> bool:
    """Whether a parse failure comes from ``{{ }}`` templating rather than a YAML mistake."""
    if _TEMPLATE_DIRECTIVE_LINE().search(text):
        return True
    lines = text.split("\n")
    return error_line <= len(lines) and "{{" in lines[error_line - 1]
