"""Building Occurrences from scalar nodes: positions, YAML paths, dynamic parts, one per anchor."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Any

from linter.model import Form, KustomizeEntry, Occurrence, Span
from linter.yamlnodes import (
    BOM,
    Node,
    Parsed,
    ScalarText,
    entries,
    is_mapping,
    is_scalar,
    is_sequence,
    is_string,
    values,
)

# What makes a reference unknowable before something else expands it (IMG006), besides
# Helm / Go templates ``{{ … }}`` (see enclosed).
_DYNAMIC = re.compile(
    r"\$\{[^}]*\}?|\$[A-Za-z_][A-Za-z0-9_]*"  # shell, envsubst, Flux post-build substitution
    r"|\$\([^)]*\)?"  # Tekton parameters, Kubernetes dependent variables
    r"|^ko://.*",  # ko builds the image
    re.DOTALL,
)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dynamic_part(value: str) -> str | None:
    """The first part of ``value`` that something expands before use, e.g. ``${TAG}``."""
    match = _DYNAMIC.search(value)
    template = enclosed(value, "{{", "}}")
    if template is not None and (match is None or template[0] < match.start()):
        return value[template[0] : template[1]]
    return match.group() if match else None


def enclosed(value: str, opening: str, closing: str) -> tuple[int, int] | None:
    """Where the first ``opening … closing`` (``{{ … }}``) of ``value`` is, as a regular
    expression ``opening.*?closing`` finds it, in linear time: that one reads to the end
    from every ``opening`` when nothing closes them (200,000 ``{{`` took minutes)."""
    start = value.find(opening)
    end = value.find(closing, start + len(opening)) if start >= 0 else -1
    return None if end < 0 else (start, end + len(closing))


def expression(value: str, *delimiters: tuple[str, str]) -> str | None:
    """The first of a format's own expressions in ``value`` (``("${{", "}}")``), whole,
    before ``dynamic_part`` would cut it at the first brace; else ``dynamic_part``."""
    found = [span for pair in delimiters if (span := enclosed(value, *pair)) is not None]
    if not found:
        return dynamic_part(value)
    start, end = min(found)
    return value[start:end]


def tag_start(image: str) -> int:
    """Where the tag's ``:`` is in ``image`` (before any digest); -1 without a tag."""
    name = image.partition("@")[0]
    colon = name.rfind(":")
    return colon if colon > name.rfind("/") else -1


def digest_after_tag(span: Span, written: str) -> KustomizeEntry:
    """The digest's place in ``written`` (the characters at ``span``), which ends with a
    tag: the digest after its ``@``, or a new ``@digest`` at its end."""
    at = written.find("@")
    if at >= 0:
        digest = Span(span.start + at + 1, span.end)
        return KustomizeEntry(digest, digest.start, "")
    return KustomizeEntry(None, span.end, "@")


def child(path: str, key: str | int) -> str:
    """The YAML path of ``key`` under ``path``: ``spec.containers[0]``, ``metadata["a.b"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _PLAIN_KEY.fullmatch(key):
        return f'{path}["{key}"]'
    return f"{path}.{key}" if path else key


def collections(document: Node, path: str = "") -> Iterator[tuple[str, str, Node]]:
    """``(YAML path, key, node)`` of every mapping and sequence under ``document`` (itself
    included, at ``path``), depth first in written order, each once (aliases can make a
    graph, even a cycle). A sequence's items have the sequence's key."""
    stack: list[tuple[str, str, Node]] = [(path, "", document)]
    seen: set[int] = set()
    while stack:
        where, key, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield where, key, node
        if is_mapping(node):
            children = [
                (child(where, name), name, value)
                for name, _, value in entries(node)
                if name is not None and not is_scalar(value)
            ]
        elif is_sequence(node):
            children = [(child(where, i), key, item) for i, item in enumerate(node.value)]
        else:
            children = []
        stack += reversed(children)


def under(node: Node, keys: tuple[str, ...], path: str) -> Iterator[tuple[Node, str]]:
    """Every mapping at ``keys`` under ``node``, with its YAML path: more than one when keys
    are duplicated, or when a list is on the way (each of its items is followed)."""
    if not keys:
        if is_mapping(node):
            yield node, path
        return
    for value in values(node, keys[0]):
        where = child(path, keys[0])
        if is_sequence(value):
            for index, item in enumerate(value.value):
                yield from under(item, keys[1:], child(where, index))
        else:
            yield from under(value, keys[1:], where)


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
        self._mentions: dict[str, bool] = {}

    def mentions(self, word: str) -> bool:
        """Whether the file's text holds ``word``: once per file, however many documents ask
        (a search of every node for a key the file never spells is wasted)."""
        found = self._mentions.get(word)
        if found is None:
            found = self._mentions[word] = word in self.parsed.text
        return found

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
        invalid: str | None = None,
        unfixable: str | None = None,
        fix_path: str | None = None,
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
            invalid=invalid,
            unfixable=unfixable,
            fix_path=fix_path,
        )

    def image_value(
        self,
        node: Node,
        *,
        yaml_path: str,
        context: str,
        dynamic: Callable[[str], str | None] = dynamic_part,
    ) -> Iterator[Occurrence]:
        """The occurrence of a string that holds a whole reference, when it is not empty and
        not reported before (through an anchor); ``dynamic`` says what a tool expands."""
        if is_string(node) and node.value.strip() and self.first_time(node):
            yield self.image_scalar(node, yaml_path=yaml_path, context=context, dynamic=dynamic)

    def image_scalar(
        self,
        node: Node,
        *,
        yaml_path: str,
        context: str,
        dynamic: Callable[[str], str | None] = dynamic_part,
    ) -> Occurrence:
        """The occurrence of a scalar that holds a whole reference (``image: nginx:1.27``)."""
        scalar = self.parsed.scalar(node)
        return self.occurrence(
            scalar,
            image=scalar.value,
            yaml_path=yaml_path,
            context=context,
            edit=scalar.edit,
            dynamic=dynamic(scalar.value),
        )


class TextScan:
    """One file read as lines of text rather than YAML (Dockerfiles, Helm templates, units):
    its display path, its text, and where its lines start."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        #: A byte order mark is not on line 1's first column.
        self._bom = 1 if text.startswith(BOM) else 0
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def lines(self) -> list[tuple[int, str]]:
        """``(offset, content)`` of every line, without its line ending (or the byte order mark)."""
        found = []
        for number, start in enumerate(self.line_starts):
            start = max(start, self._bom)
            end = self.line_starts[number + 1] - 1 if number + 1 < len(self.line_starts) else None
            content = self.text[start:end]
            found.append((start, content[:-1] if content.endswith("\r") else content))
        return found

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``, in characters, not counting a byte order mark."""
        line = bisect_right(self.line_starts, offset)
        column = offset - self.line_starts[line - 1] + 1
        return line, column - self._bom if line == 1 else column

    def occurrence(self, span: Span, **fields: Any) -> Occurrence:
        """The Occurrence of ``text[span]``; ``fields`` as Occurrence's (image, yaml_path, …)."""
        return located(self.path, self.text, span, self.position, **fields)
