"""Extraction: file text -> image occurrences with exact spans. No network, no printing.

A Dockerfile is read by linter.extract.dockerfile. Each YAML document is
classified (linter.extract.classify: by the file's name and place, else by
content) and read by the module of its format: kubernetes, compose,
kustomize, github_actions, gitlab_ci, helm_values. In any file, lines marked
``imagepin: image`` (marker) and the configured patterns (regex) name images
too. docs/formats.md says what is scanned and what deliberately is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import TYPE_CHECKING

from linter.extract import (
    classify,
    github_actions,
    gitlab_ci,
    helm_values,
    kubernetes,
    kustomize,
    prefilter,
)
from linter.extract.marker import MARKER
from linter.extract.occurrence import FileScan, TextScan
from linter.extract.options import FormatOptions
from linter.model import Occurrence
from linter.records import Record
from linter.yamlnodes import (
    Node,
    Parsed,
    YamlSyntaxError,
    collector_paused,
    is_mapping,
    is_null,
)

if TYPE_CHECKING:
    from linter.extract.compose import Environment

HELM_TEMPLATE = "Helm template"

Extractor = Callable[[FileScan, Node], Iterable[Occurrence]]

_EXTRACTORS: dict[str, Extractor] = {
    classify.KUBERNETES: kubernetes.extract,
    classify.KUSTOMIZATION: kustomize.extract,
    classify.GITHUB_WORKFLOW: github_actions.workflow,
    classify.GITHUB_ACTION: github_actions.action,
    classify.GITLAB_CI: gitlab_ci.extract,
}


#: Formats whose modules are imported the first time a file of theirs is read:
#: kind -> (module, function).
_LAZY_EXTRACTORS = {
    classify.CIRCLECI: ("circleci", "extract"),
    classify.BITBUCKET: ("bitbucket", "extract"),
    classify.AZURE_PIPELINES: ("azure_pipelines", "extract"),
    classify.DRONE: ("drone", "extract"),
    classify.WOODPECKER: ("drone", "extract"),
    classify.CLOUD_BUILD: ("cloudbuild", "extract"),
    classify.KO: ("ko", "extract"),
}


def _lazy_extractor(kind: str) -> Extractor | None:
    """The extractor of a format read by a module imported on first use (start-up stays
    as fast for the files most runs have)."""
    if kind not in _LAZY_EXTRACTORS:
        return None
    from importlib import import_module

    module, function = _LAZY_EXTRACTORS[kind]
    extractor: Extractor = getattr(import_module(f"linter.extract.{module}"), function)
    _EXTRACTORS[kind] = extractor
    return extractor


class SyntaxProblem(Record):
    """Where a file stops being YAML (1-based) and why, on one line."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class Extraction(Record):
    #: In the order they are written.
    occurrences: tuple[Occurrence, ...]
    #: The file is not YAML (IMG000).
    syntax_error: SyntaxProblem | None = None
    #: Why the whole file was skipped without error (e.g. "Helm template").
    skipped: str | None = None
    #: Per document: "kubernetes", "compose", "kustomization", "github-workflow",
    #: "github-action", "gitlab-ci", "helm-values", "helm-template", "other", "empty";
    #: "dockerfile" for a whole Dockerfile, "text" for one read only for marked lines and
    #: configured patterns.
    kinds: tuple[str, ...] = ()


_SKIPPED_TEMPLATE = Extraction((), skipped=HELM_TEMPLATE, kinds=(classify.HELM_TEMPLATE,))
DEFAULT_OPTIONS = FormatOptions()


def extract(path: str, text: str, options: FormatOptions = DEFAULT_OPTIONS) -> Extraction:
    """The image occurrences in ``text``, the content of the file at display path ``path``."""
    with collector_paused():
        found = _extract(path, text, options)
        # A broken file is reported with its error alone (IMG000), never half read: a
        # fix could not check its edits by reading the file back.
        if found.syntax_error is None and (MARKER in text or options.regex_extractors):
            found = _with_marked_and_matched(path, text, options, found)
        return found


def _extract(path: str, text: str, options: FormatOptions) -> Extraction:
    in_file = classify.file_kind(path, options)
    if in_file == classify.TEXT:
        return Extraction((), kinds=(classify.TEXT,))
    if in_file == classify.DOCKERFILE:
        # Imported here: compiling its patterns is 3 ms of a YAML-only run's start-up.
        from linter.extract import dockerfile

        return Extraction(tuple(dockerfile.extract(path, text)), kinds=(classify.DOCKERFILE,))
    if in_file in (classify.DEVCONTAINER, classify.QUADLET):
        return _text_format(in_file, path, text)
    if classify.in_chart_templates(path, text):
        # Imported here, as the Dockerfile's: its patterns and dataclasses are start-up cost.
        from linter.extract import helm_templates

        lines = helm_templates.extract(TextScan(path, text))
        return Extraction(tuple(lines), kinds=(classify.HELM_TEMPLATE,))
    # CRDs, ConfigMaps and Secrets are most of the bytes and never hold an image.
    skipped = prefilter.skip_data_documents(text) if in_file is None else None
    try:
        parsed = Parsed(skipped.text if skipped is not None else text)
    except YamlSyntaxError as error:
        if classify.looks_templated(text, error.line):
            return _SKIPPED_TEMPLATE
        problem = SyntaxProblem(error.line, error.column, error.message)
        if not error.refused and not classify.shows_image_key(text, in_file):
            # Not ours to judge: an envsubst template, a file named on the command line.
            # A file refused for its shape is always reported: it could hide images.
            return Extraction((), skipped=f"not YAML ({problem}), and no image key in it")
        return Extraction((), problem)
    extractors: dict[str, Extractor] = {
        **_EXTRACTORS,
        classify.COMPOSE: _compose_reader(path),
    }
    if in_file == classify.HELM_VALUES:
        chart = helm_values.chart_beside(path, digest_in_tag=options.helm_digest_in_tag)
        extractors[in_file] = partial(helm_values.extract, chart=chart)
    elif options.helm_digest_in_tag:
        remote = helm_values.Chart(digest_in_tag=True)
        extractors[classify.KUBERNETES] = partial(kubernetes.extract, chart=remote)
    scan = FileScan(parsed, path)
    kinds: list[str] = []
    found: list[Occurrence] = []
    included: bool | None = None
    for document in parsed.documents:
        if skipped is not None and _skipped(parsed, document, skipped):
            kinds.append(classify.KUBERNETES)  # of a data kind: no image
            continue
        kind = classify.document_kind(path, document, in_file)
        if kind == classify.OTHER and is_mapping(document):
            # Only when nothing else claims it: this reads the pipeline file above.
            included = gitlab_ci.included(path) if included is None else included
            kind = classify.GITLAB_CI if included else kind
        kinds.append(kind)
        extractor = extractors.get(kind) or _lazy_extractor(kind)
        if extractor is not None:
            found += extractor(scan, document)
    found.sort(key=lambda occurrence: occurrence.start)
    return Extraction(tuple(found), kinds=tuple(kinds) or (classify.EMPTY,))


def _compose_reader(path: str) -> Extractor:
    """The extractor of the file's Compose documents. Its module and the ``.env`` reader
    are imported with the first Compose document (two modules and six records that a
    Kubernetes-only run never needs), and the ``.env`` beside the file is read once,
    when an image first needs it."""
    environment: Environment | None = None

    def read(scan: FileScan, document: Node) -> Iterable[Occurrence]:
        nonlocal environment
        from linter.extract import compose, dotenv

        if environment is None:
            environment = cache(partial(dotenv.beside, path))
        return compose.extract(scan, document, environment=environment)

    return read


def _text_format(kind: str, path: str, text: str) -> Extraction:
    """A file that is not YAML: a Dev Container's JSONC, a Podman Quadlet unit."""
    from linter.extract.jsonc import JsoncError

    scan = TextScan(path, text)
    try:
        if kind == classify.DEVCONTAINER:
            from linter.extract import devcontainer

            found = tuple(devcontainer.extract(scan))
        else:
            from linter.extract import quadlet

            found = tuple(quadlet.extract(scan))
    except JsoncError as error:
        problem = SyntaxProblem(*scan.position(error.offset), error.message)
        if not classify.shows_image_key(text, kind):
            return Extraction((), skipped=f"not JSON ({problem}), and no image key in it")
        return Extraction((), problem, kinds=(kind,))
    return Extraction(found, kinds=(kind,))


def _with_marked_and_matched(
    path: str, text: str, options: FormatOptions, found: Extraction
) -> Extraction:
    """``found`` and the references of lines marked ``imagepin: image`` and of the
    ``regex-extractors`` that read the file, where the format's extractor found none."""
    from linter.extract import marker, regex

    scan = TextScan(path, text)
    more = [*marker.extract(scan), *regex.extract(scan, options.regex_extractors)]
    kept = list(found.occurrences)
    for occurrence in more:
        if not any(o.start < occurrence.end and occurrence.start < o.end for o in kept):
            kept.append(occurrence)
    if len(kept) == len(found.occurrences):
        return found
    kept.sort(key=lambda occurrence: occurrence.start)
    # A file skipped as not YAML, now with references: read, not skipped.
    return Extraction(tuple(kept), found.syntax_error, None, found.kinds)


def _skipped(parsed: Parsed, document: Node, prefiltered: prefilter.Prefiltered) -> bool:
    """Whether ``document`` stands for one the prefilter blanked."""
    return is_null(document) and parsed.scalar(document).start in prefiltered.placeholders
