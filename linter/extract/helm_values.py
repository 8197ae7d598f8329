"""Helm values files: images as one string, or split into registry, repository, tag and digest.

The conventions of public charts are read anywhere in the values tree:

- ``image: "nginx:1.27"`` — one string, fixed in place like a manifest's;
- ``image: {repository: nginx, tag: "1.27", digest: ""}``, and Bitnami's
  ``{registry: docker.io, repository: bitnami/nginx, tag: …, digest: …}`` where
  a non-empty ``global.imageRegistry`` replaces ``registry``;
- a mapping whose ``image`` string sits next to ``registry``/``tag``/``digest``
  (ingress-nginx's ``{registry, image, tag, digest}``, ``{image, tag}``).

A split image is reported at its ``tag`` (at ``digest`` or ``repository`` when
there is no tag); an empty tag means the chart's ``appVersion`` (Chart.yaml),
as the usual templates default it. An override file (``values-prod.yaml``)
inherits the fields it does not set from the chart's ``values.yaml``. The fix
writes the ``digest`` field when the chart has one (replacing it, or adding it
to an override file), otherwise ``tag: "1.27@sha256:…"`` when
``helm-digest-in-tag`` is configured; the note says which.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from linter import source
from linter.extract import fields
from linter.extract.occurrence import FileScan, child, collections, dynamic_part
from linter.model import Form, KustomizeEntry, Occurrence, Span
from linter.paths import parent
from linter.records import Record
from linter.yamlnodes import (
    Node,
    Parsed,
    YamlSyntaxError,
    entries,
    is_mapping,
    is_null,
    is_scalar,
    is_string,
    string,
    values,
)

#: The fields of a split image, in the order they compose ``registry/repository:tag@digest``.
SPLIT_FIELDS = ("registry", "repository", "image", "tag", "digest")
#: Older charts' spellings (``image: redis`` next to ``imageTag: "7.4"``).
ALIASES = {"imageTag": "tag"}
#: Where the occurrence is reported: the first of these the mapping sets.
REPORTED_AT = ("tag", "digest", "repository", "image", "registry")
DEFAULT_VALUES = ("values.yaml", "values.yml")
CHART_FILE = "Chart.yaml"


class Split(Record):
    """The text of each split field a mapping sets (empty and null fields read as None)."""

    texts: dict[str, str | None]

    def get(self, name: str) -> str | None:
        return self.texts.get(name)

    def has(self, name: str) -> bool:
        return name in self.texts


class Chart(Record):
    """What the chart around a values file says: its appVersion and its default values."""

    app_version: str | None = None
    #: The split images of the chart's values.yaml, by YAML path (empty for values.yaml itself).
    defaults: Mapping[str, Split] = {}
    global_registry: str | None = None
    #: Write ``tag: "x@sha256:…"`` when there is no digest field (``helm-digest-in-tag``).
    digest_in_tag: bool = False


def chart_beside(path: str, *, digest_in_tag: bool = False) -> Chart:
    """The chart of the values file at ``path``: Chart.yaml and values.yaml in its directory."""
    directory = parent(path)
    chart = os.path.join(directory, CHART_FILE)
    versions = [_text(v) for d in _parse(chart) for v in values(d, "appVersion")]
    app_version = next(filter(None, versions), None)
    defaults: dict[str, Split] = {}
    global_registry = None
    for name in DEFAULT_VALUES:
        if os.path.basename(path) == name:
            break
        documents = _parse(os.path.join(directory, name))
        for document in documents:
            defaults.update((where, split) for where, _, split in split_images(document, {}))
            global_registry = _global_registry(document) or global_registry
        if documents:
            break
    return Chart(app_version, defaults, global_registry, digest_in_tag)


def _parse(path: str) -> list[Node]:
    """The documents of a file next to the values file; none when it is missing or broken."""
    try:
        return Parsed(source.read(path).text).documents
    except (source.SourceError, YamlSyntaxError):
        return []


def extract(scan: FileScan, document: Node, chart: Chart, path: str = "") -> Iterator[Occurrence]:
    """The images of the values ``document`` (at YAML path ``path`` when embedded in a
    custom resource: a Flux HelmRelease's ``spec.values``)."""
    global_registry = _global_registry(document) or chart.global_registry
    for where, mapping, split in split_images(document, chart.defaults, path):
        yield from _split_image(scan, where, mapping, split, chart, global_registry)
    yield from _image_strings(scan, document, chart.defaults, path)


def split_images(
    document: Node, defaults: Mapping[str, Split], path: str = ""
) -> Iterator[tuple[str, Node, Split]]:
    """Every mapping that holds a split image, with its YAML path and fields, in written order."""
    for where, key, node in collections(document, path):
        if is_mapping(node):
            split = _split(node, key, defaults.get(where))
            if split is not None:
                yield where, node, split


def _split(mapping: Node, key: str, default: Split | None) -> Split | None:
    """The split fields of ``mapping`` when it holds a split image; None otherwise."""
    texts = {name: _text(value) for name, (_, value) in _fields(mapping).items()}
    repository = any(is_string(value) for value in values(mapping, "repository"))
    image = any(is_string(value) for value in values(mapping, "image"))
    beside = {"registry", "tag", "digest"} & texts.keys()
    held = (
        (default is not None and bool(texts))
        # A ``repository`` alone is an image only where the key says so (not a Git repository).
        or (repository and ("image" in key.lower() or beside - {"registry"}))
        or (image and not repository and beside)
    )
    return Split(texts) if held else None


def _fields(mapping: Node) -> dict[str, tuple[Node, Node]]:
    """The split fields ``mapping`` sets, by their usual names (the last of duplicates wins)."""
    return {
        ALIASES.get(name, name): (key, value)
        for name, key, value in entries(mapping)
        if name is not None and (name in SPLIT_FIELDS or name in ALIASES)
    }


def _image_strings(
    scan: FileScan, document: Node, defaults: Mapping[str, Split], path: str
) -> Iterator[Occurrence]:
    """``image: "repo:tag"`` strings outside split images."""
    for where, key, node in collections(document, path):
        if not is_mapping(node) or _split(node, key, defaults.get(where)) is not None:
            continue
        for image in values(node, "image"):
            at = child(where, "image")
            yield from scan.image_value(image, yaml_path=at, context=f"Helm values {at}")


def _split_image(
    scan: FileScan,
    path: str,
    mapping: Node,
    split: Split,
    chart: Chart,
    global_registry: str | None,
) -> Iterator[Occurrence]:
    own = _fields(mapping)
    reported = next((own[name] for name in REPORTED_AT if name in own), None)
    if reported is None or not is_scalar(reported[1]) or not scan.first_time(reported[1]):
        return
    default = chart.defaults.get(path, Split({}))
    image, understood, dynamic = _compose(split, default, chart, global_registry)
    if image is None:
        return
    place, how = _digest_place(scan, mapping, own, default, chart)
    occurrence = scan.occurrence(
        scan.parsed.scalar(reported[1]),
        image=image,
        yaml_path=path,
        context=f"Helm values {path or 'top level'}",
        form=Form.KUSTOMIZE,
        kustomize=place,
        dynamic=dynamic or dynamic_part(image),
        note=f"read as {understood}; {how}",
    )
    if place is None and not chart.digest_in_tag:
        occurrence = occurrence._replace(fix_hint=DIGEST_IN_TAG_HINT)
    yield occurrence


#: What ``fix`` says when a chart has no digest field (the option that would let it pin).
DIGEST_IN_TAG_HINT = "set `helm-digest-in-tag = true` to write the digest into the tag"


def _compose(
    split: Split, default: Split, chart: Chart, global_registry: str | None
) -> tuple[str | None, str, str | None]:
    """The reference, how it was put together, and why it is dynamic (None when it is not)."""

    def pick(name: str) -> tuple[str | None, str]:
        if split.has(name):
            return split.get(name), name
        return default.get(name), f"{name} from values.yaml"

    repository_field = (
        "repository" if split.has("repository") or default.has("repository") else "image"
    )
    repository, repository_words = pick(repository_field)
    if repository is None:
        return None, "", None
    parts = [repository_words]
    registry, registry_words = pick("registry")
    if global_registry and (split.has("registry") or default.has("registry")):
        registry, registry_words = global_registry, "global.imageRegistry"
    if registry:
        parts.insert(0, registry_words)
    tag, tag_words = pick("tag")
    digest, digest_words = pick("digest")
    dynamic = None
    if tag is None:
        # The usual ``{{ .Values.image.tag | default .Chart.AppVersion }}``.
        tag, tag_words = chart.app_version, "tag from Chart.yaml appVersion"
        if tag is None and digest is None:
            dynamic = "the tag is left to the chart's templates"
    parts += [words for value, words in ((tag, tag_words), (digest, digest_words)) if value]
    image = (f"{registry}/" if registry else "") + repository
    image += (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    return image, " + ".join(parts), dynamic


def _digest_place(
    scan: FileScan,
    mapping: Node,
    own: dict[str, tuple[Node, Node]],
    default: Split,
    chart: Chart,
) -> tuple[KustomizeEntry | None, str]:
    """Where the fix writes the digest, and a note saying so."""
    if "digest" in own:
        return fields.over_value(scan, *own["digest"]), "the fix sets digest"
    tag = own.get("tag", (None, None))[1]
    tag_edit = scan.parsed.scalar(tag).edit if tag is not None and is_scalar(tag) else None
    if tag_edit is not None and "@" in scan.parsed.text[tag_edit.start : tag_edit.end]:
        at = scan.parsed.text.index("@", tag_edit.start) + 1
        return KustomizeEntry(Span(at, tag_edit.end), at, ""), "the fix updates the tag's digest"
    if default.has("digest"):
        # After the last field written in this mapping (not in a mapping it merges).
        start = mapping.start_mark.index
        written = [v for _, v in own.values() if is_scalar(v) and v.start_mark.index >= start]
        if written:
            last = max(scan.parsed.scalar(value).end for value in written)
            return fields.new_field(scan, mapping, last, "digest"), "the fix adds digest"
    # An empty tag stands for the appVersion: ``"@sha256:…"`` alone would not.
    if chart.digest_in_tag and tag_edit is not None and tag_edit.end > tag_edit.start:
        return KustomizeEntry(None, tag_edit.end, "@"), "the fix writes the digest into tag"
    return None, "no digest field in the chart (helm-digest-in-tag writes the digest into tag)"


def _global_registry(document: Node) -> str | None:
    for settings in values(document, "global"):
        registry = string(settings, "imageRegistry")
        if registry:
            return registry
    return None


def _text(node: Node) -> str | None:
    """A field's text as the chart's template prints it; None when unset or empty."""
    if not is_scalar(node) or is_null(node):
        return None
    return node.value or None
