"""Helm chart templates (``templates/**``): ``image:`` lines, read without parsing YAML.

A template is not YAML until Helm renders it (``{{- if }}`` lines, ``{{ include
… | nindent 8 }}``), so its lines are read one by one: a line ``image: <value>``
(``- image:`` too, the value plain or quoted) names an image. A literal value is
found and fixed like a manifest's; a value with a template action (``{{ … }}``)
is dynamic (IMG006). Template directive lines are ignored; the lines of a block
scalar (``data: |``), documents of a data kind (ConfigMap, Secret, CRD) and keys
whose ``image`` is not one (``metadata``, ``rbd``, Helm ``values``) are skipped,
as in manifests (linter.extract.kubernetes). The YAML path is rebuilt from the
indentation of the keys above the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from linter.extract.kubernetes import DATA_KINDS, INJECTED, SKIPPED_KEYS
from linter.extract.occurrence import TextScan, dynamic_part
from linter.model import Occurrence, Span

_DOCUMENT_START = re.compile(r"---(?:[ \t].*)?")
_KIND = re.compile(r"kind:[ \t]*[\"']?([A-Za-z]+)")
# A key (plain or quoted) and the rest of its line.
_KEY = re.compile(
    r"""(?:"([^"]*)"|'([^']*)'|([^\s#'"{}\[\],:-][^:#]*?|-[^\s:#][^:#]*?))[ \t]*:(?:[ \t]+|$)"""
)
_BLOCK_HEADER = re.compile(r"[|>][0-9+-]*[ \t]*(?:#.*)?")
_COMMENT = re.compile(r"[ \t]+#.*")
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"")
IMAGE_KEY = "image"


@dataclass
class _Level:
    """A key or sequence item above the current line, by the column its content starts at."""

    indent: int
    name: str
    items: int = 0


@dataclass
class _Document:
    kind: str | None = None
    stack: list[_Level] = field(default_factory=list)
    #: Lines indented deeper than this belong to a block scalar.
    block: int | None = None


def extract(scan: TextScan) -> Iterator[Occurrence]:
    """The ``image:`` lines of the template ``scan.text``, in written order."""
    documents = _documents(scan)
    for lines in documents:
        kinds = [m.group(1) for _, line in lines if (m := _KIND.match(line))]
        if kinds and kinds[-1] in DATA_KINDS:
            continue
        document = _Document(kinds[-1] if kinds else None)
        for offset, line in lines:
            found = _line(scan, document, offset, line)
            if found is not None:
                yield found


def _documents(scan: TextScan) -> list[list[tuple[int, str]]]:
    documents: list[list[tuple[int, str]]] = [[]]
    for offset, line in scan.lines():
        if _DOCUMENT_START.fullmatch(line):
            documents.append([])
        else:
            documents[-1].append((offset, line))
    return documents


def _line(scan: TextScan, document: _Document, offset: int, line: str) -> Occurrence | None:
    content = line.lstrip(" ")
    indent = len(line) - len(content)
    if not content.strip() or content.startswith("#"):
        return None
    if document.block is not None and indent > document.block:
        return None
    document.block = None
    if content.startswith("{{"):
        return None  # a template directive: Helm's, not YAML's
    stack = document.stack
    item_indent = indent
    while content.startswith("- ") or content == "-":
        # A sequence item: under the key at its indentation (``key:\n- item``) or above it.
        while stack and stack[-1].indent > indent:
            stack.pop()
        if stack and stack[-1].indent == indent and stack[-1].name.startswith("["):
            stack.pop()  # the previous item
        parent = stack[-1] if stack else None
        number = parent.items if parent is not None else 0
        if parent is not None:
            parent.items += 1
        stack.append(_Level(indent, f"[{number}]"))
        step = len(content) - len(content[1:].lstrip(" "))
        item_indent, indent, content = indent, indent + step, content[step:]
    if _BLOCK_HEADER.fullmatch(content):
        document.block = item_indent  # ``- |``: the item is a block scalar
        return None
    key = _KEY.match(content)
    if key is None:
        return None
    name = next(group for group in key.groups() if group is not None)
    while stack and stack[-1].indent >= indent:
        stack.pop()
    value = content[key.end() :]
    if _BLOCK_HEADER.fullmatch(value):
        document.block = indent
    path = [level.name for level in stack]
    stack.append(_Level(indent, name))
    if name != IMAGE_KEY or any(part in SKIPPED_KEYS for part in path):
        return None
    start = offset + len(line) - len(value)
    return _occurrence(scan, document, path, start, value)


def _occurrence(
    scan: TextScan, document: _Document, path: list[str], start: int, value: str
) -> Occurrence | None:
    """The image of one ``image:`` value starting at offset ``start``."""
    written = _written(value)
    image = _unquoted(written)
    edit = _edit(written, start)
    if not image.strip() or image == INJECTED or _BLOCK_HEADER.fullmatch(written):
        return None
    dynamic = dynamic_part(image)
    yaml_path = "".join(p if p.startswith("[") else f".{p}" for p in [*path, IMAGE_KEY])
    return scan.occurrence(
        Span(start, start + len(written)),
        image=image,
        yaml_path=yaml_path.lstrip("."),
        context=f"Helm template {document.kind or 'document'}",
        edit=edit if dynamic is None else None,
        dynamic=dynamic,
    )


def _written(value: str) -> str:
    """The value without a comment after it (a ``#`` inside quotes or ``{{ }}`` is not one)."""
    quoted = _QUOTED.match(value)
    if quoted is not None:
        return quoted.group()
    actions_end = value.rfind("}}") + 2 if "}}" in value else 0
    comment = _COMMENT.search(value, actions_end)
    return (value[: comment.start()] if comment else value).rstrip(" \t")


def _unquoted(written: str) -> str:
    if len(written) >= 2 and written[0] == written[-1] and written[0] in "'\"":
        return written[1:-1]
    return written


def _edit(written: str, start: int) -> Span | None:
    """The characters that hold the value: all of a plain one, inside simple quotes."""
    if written[:1] not in ("'", '"'):
        return Span(start, start + len(written))
    inner = written[1:-1]
    if len(written) < 2 or written[-1] != written[0] or "\\" in inner or written[0] in inner:
        return None
    return Span(start + 1, start + len(written) - 1)
