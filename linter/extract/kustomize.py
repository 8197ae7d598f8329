"""Kustomize ``images:`` entries (``name``, ``newName``, ``newTag``, ``digest``).

An entry that sets ``newTag`` or ``digest`` names an image: ``(newName or
name):newTag@digest``, reported at the ``newTag`` value (the ``digest`` value
when there is no tag). An entry with only ``newName`` renames images and keeps
the tag the manifests give, which are checked where they are written. The fix
replaces the ``digest:`` value or inserts a ``digest:`` field (KustomizeEntry).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract import fields
from linter.extract.occurrence import FileScan, child, dynamic_part
from linter.model import Form, KustomizeEntry, Occurrence
from linter.yamlnodes import (
    Node,
    entries,
    is_mapping,
    is_null,
    is_scalar,
    is_sequence,
    is_string,
    string,
    values,
)


def extract(scan: FileScan, document: Node) -> Iterator[Occurrence]:
    yield from images(scan, document, "")


def images(scan: FileScan, holder: Node, path: str) -> Iterator[Occurrence]:
    """The entries of ``holder``'s ``images:`` list that pin a tag or a digest."""
    for sequence in values(holder, "images"):
        if is_sequence(sequence):
            for index, entry in enumerate(sequence.value):
                found = _entry(scan, entry, child(child(path, "images"), index))
                if found is not None:
                    yield found


def _entry(scan: FileScan, entry: Node, path: str) -> Occurrence | None:
    if not is_mapping(entry):
        return None
    name = string(entry, "name")
    # The last of duplicated fields wins, as in kustomize.
    fields = {key: (key_node, value) for key, key_node, value in entries(entry)}
    texts = {key: _text(value) for key, (_, value) in fields.items()}
    tag, digest = texts.get("newTag"), texts.get("digest")
    if name is None or (tag is None and digest is None):
        return None
    located = fields["newTag" if tag is not None else "digest"][1]
    if not scan.first_time(located):
        return None
    image = (
        (texts.get("newName") or name)
        + (f":{tag}" if tag else "")
        + (f"@{digest}" if digest else "")
    )
    return scan.occurrence(
        scan.parsed.scalar(located),
        image=image,
        yaml_path=path,
        context=f"kustomization image {name}",
        form=Form.KUSTOMIZE,
        kustomize=_digest_place(scan, entry, fields.get("digest")),
        dynamic=dynamic_part(image),
        invalid=_refused(fields),
    )


def _text(node: Node) -> str | None:
    """A field's text as written (``newTag: 1.20`` is ``"1.20"``); None when unset."""
    if not is_scalar(node) or is_null(node):
        return None
    return node.value or None


def _refused(fields: dict[str | None, tuple[Node, Node]]) -> str | None:
    """Why kustomize refuses the entry: a field YAML reads as a number or a boolean
    (``newTag: 1.20`` is the number 1.2; "cannot unmarshal number into ... of type string")."""
    for key in ("newName", "newTag", "digest"):
        node = fields.get(key, (None, None))[1]
        if node is not None and is_scalar(node) and not is_null(node) and not is_string(node):
            kind = "a boolean" if node.value.lower() in _BOOLEANS else "a number"
            value = node.value
            return (
                f'kustomize reads {key}: {value} as {kind} and refuses it; write {key}: "{value}"'
            )
    return None


_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off"})


def _digest_place(
    scan: FileScan, entry: Node, digest: tuple[Node, Node] | None
) -> KustomizeEntry | None:
    """Where the fix writes the digest: over the ``digest:`` value, or in a new field."""
    if digest is not None:
        return fields.over_value(scan, *digest)
    end = _content_end(scan, entry)
    return fields.new_field(scan, entry, end, "digest") if end is not None else None


def _content_end(scan: FileScan, entry: Node) -> int | None:
    """The end of the entry's last key or value written inside it (not an aliased anchor's)."""
    start = entry.start_mark.index
    written = [
        node
        for pair in entry.value
        for node in pair
        if is_scalar(node) and node.start_mark.index >= start
    ]
    return max((scan.parsed.scalar(node).end for node in written), default=None)
