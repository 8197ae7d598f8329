"""Extraction: file text -> image occurrences with exact spans. No network, no printing.

Each YAML document is classified (linter.extract.classify) and read by the
module of its format: kubernetes, compose, kustomize. docs/formats.md says
what is scanned and what deliberately is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from linter.extract import classify, compose, kubernetes, kustomize
from linter.extract.occurrence import FileScan
from linter.model import Occurrence
from linter.yamlnodes import Node, Parsed, YamlSyntaxError

HELM_TEMPLATE = "Helm template"

_EXTRACTORS: dict[str, Callable[[FileScan, Node], Iterable[Occurrence]]] = {
    classify.KUBERNETES: kubernetes.extract,
    classify.COMPOSE: compose.extract,
    classify.KUSTOMIZATION: kustomize.extract,
}


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a file stops being YAML (1-based) and why, on one line."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Extraction:
    #: In the order they are written.
    occurrences: tuple[Occurrence, ...]
    #: The file is not YAML (IMG000).
    syntax_error: SyntaxProblem | None = None
    #: Why the whole file was skipped without error (e.g. "Helm template").
    skipped: str | None = None
    #: Per document: "kubernetes", "compose", "kustomization", "helm-template", "other", "empty".
    kinds: tuple[str, ...] = ()


_SKIPPED_TEMPLATE = Extraction((), skipped=HELM_TEMPLATE, kinds=(classify.HELM_TEMPLATE,))


def extract(path: str, text: str) -> Extraction:
    """The image occurrences in ``text``, the content of the file at display path ``path``."""
    if classify.in_chart_templates(path, text):
        return _SKIPPED_TEMPLATE
    try:
        parsed = Parsed(text)
    except YamlSyntaxError as error:
        if classify.looks_templated(text, error.line):
            return _SKIPPED_TEMPLATE
        return Extraction((), SyntaxProblem(error.line, error.column, error.message))
    scan = FileScan(parsed, path)
    kinds: list[str] = []
    found: list[Occurrence] = []
    for document in parsed.documents:
        kind = classify.document_kind(path, document)
        kinds.append(kind)
        extractor = _EXTRACTORS.get(kind)
        if extractor is not None:
            found += extractor(scan, document)
    found.sort(key=lambda occurrence: occurrence.start)
    return Extraction(tuple(found), kinds=tuple(kinds) or (classify.EMPTY,))
