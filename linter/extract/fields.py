"""Where a fix writes one field of a YAML mapping: over its value, or as a new ``key: `` entry.

Kustomize ``images:`` entries and Helm values' image maps are fixed by writing
their ``digest`` field (a KustomizeEntry); both use these places.
"""

from __future__ import annotations

from linter.extract.occurrence import FileScan
from linter.model import KustomizeEntry
from linter.yamlnodes import Node, is_null, is_scalar


def over_value(scan: FileScan, key: Node, value: Node) -> KustomizeEntry | None:
    """Over an existing field's scalar value (just after the colon when it has none)."""
    if not is_scalar(value):
        return None
    if is_null(value) and value.value == "":
        colon = scan.parsed.text.index(":", scan.parsed.scalar(key).end)
        return KustomizeEntry(None, colon + 1, " ")
    span = scan.parsed.scalar(value).edit
    return KustomizeEntry(span, span.start, "") if span is not None else None


def new_field(scan: FileScan, mapping: Node, after: int, key: str) -> KustomizeEntry:
    """A new ``key:`` field of ``mapping`` right after offset ``after``.

    In flow style ``, key: `` goes at ``after``; in block style a new line goes
    after the line holding ``after`` (after any comment on it), with the
    mapping's indentation and the file's line ending.
    """
    text = scan.parsed.text
    if getattr(mapping, "flow_style", False):
        return KustomizeEntry(None, after, f", {key}: ")
    line_end = text.find("\n", after)
    if line_end < 0:
        newline = "\r\n" if "\r\n" in text else "\n"
        insert_at = len(text)
    else:
        crlf = text[line_end - 1] == "\r"
        newline = "\r\n" if crlf else "\n"
        insert_at = line_end - 1 if crlf else line_end
    _, column = scan.parsed.position(scan.parsed.scalar(mapping.value[0][0]).start)
    return KustomizeEntry(None, insert_at, f"{newline}{' ' * (column - 1)}{key}: ")
