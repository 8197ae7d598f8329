"""Building Occurrences from scalar nodes: positions, YAML paths, dynamic parts, one per anchor."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from linter.model import Form, KustomizeEntry, Occurrence, Span
from linter.yamlnodes import Node, Parsed, ScalarText

# What makes a reference unknowable before something else expands it (IMG006).
_DYNAMIC = re.compile(
    r"\{\{.*?\}\}"  # Helm / Go templates
    r"|\$\{[^}]*\}?|\$[A-Za-z_][A-Za-z0-9_]*"  # shell, envsubst, Flux post-build substitution
    r"|\$\([^)]*\)?"  # Tekton parameters, Kubernetes dependent variables
    r"|^ko://.*",  # ko builds the image
    re.DOTALL,
)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dynamic_part(value: str) -> str | None:
    """The first part of ``value`` that something expands before use, e.g. ``${TAG}``."""
    match = _DYNAMIC.search(value)
    return match.group() if match else None


def child(path: str, key: str | int) -> str:
    """The YAML path of ``key`` under ``path``: ``spec.containers[0]``, ``metadata["a.b"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _PLAIN_KEY.fullmatch(key):
        return f'{path}["{key}"]'
    return f"{path}.{key}" if path else key


def located(
    path: str,
    text: str,
    span: Span,
    position: Callable[[int], tuple[int, int]],
    **fields: Any,
) -> Occurrence:
    """The Occurrence of ``text[span]``, with its 1-based lines and columns from ``position``."""
    line, column = position(span.start)
    end_line, end_column = position(span.end)
    return Occurrence(
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        start=span.start,
        end=span.end,
        raw=text[span.start : span.end],
        **fields,
    )


class FileScan:
    """One file being extracted: its parsed text, its display path, the scalars reported."""

    def __init__(self, parsed: Parsed, path: str) -> None:
        self.parsed = parsed
        self.path = path
        self._reported: set[int] = set()

    def first_time(self, node: Node) -> bool:
        """True once per node: an anchored node reached again through an alias is not new."""
        key = id(node)
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    def occurrence(
        self,
        scalar: ScalarText,
        *,
        image: str,
        yaml_path: str,
        context: str,
        form: Form = Form.SCALAR,
        edit: Span | None = None,
        kustomize: KustomizeEntry | None = None,
        dynamic: str | None = None,
        note: str | None = None,
    ) -> Occurrence:
        return located(
            self.path,
            self.parsed.text,
            Span(scalar.start, scalar.end),
            self.parsed.position,
            image=image,
            yaml_path=yaml_path,
            context=context,
            form=form,
            edit=edit,
            kustomize=kustomize,
            dynamic=dynamic,
            note=note,
        )

    def image_scalar(self, node: Node, *, yaml_path: str, context: str) -> Occurrence:
        """The occurrence of a scalar that holds a whole reference (``image: nginx:1.27``)."""
        scalar = self.parsed.scalar(node)
        return self.occurrence(
            scalar,
            image=scalar.value,
            yaml_path=yaml_path,
            context=context,
            edit=scalar.edit,
            dynamic=dynamic_part(scalar.value),
        )
