"""Manifest media types, the Accept list, digests of raw bytes, reading index, image and
config bodies."""

from __future__ import annotations

import hashlib
from typing import Any

from linter import untrusted_json
from linter.model import PlatformEntry
from linter.records import Record
from linter.reference import InvalidReference, validate_digest

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
SCHEMA1_TYPES = frozenset({SCHEMA1_SIGNED, SCHEMA1})
#: Every type we can read; schema 1 is listed so a registry answers with it rather than 404,
#: and we can say clearly that it is unsupported.
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST, SCHEMA1_SIGNED, SCHEMA1))

_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


class ManifestError(ValueError):
    """A manifest body that cannot be used; the message says why."""


class Descriptor(Record):
    media_type: str
    digest: str
    size: int
    #: A layer's annotations (``inspect`` shows them); None when the manifest has none.
    annotations: dict[str, str] | None = None


class ImageFacts(Record):
    """From an image's config blob (for ``inspect``)."""

    created: str | None
    labels: dict[str, str]
    os: str
    architecture: str
    variant: str | None


class ImageConfig(Record):
    """All of an image config that ``inspect`` shows; None where the config does not say."""

    facts: ImageFacts
    #: False when the config has no ``Labels`` (or null): skopeo prints null then, not {}.
    has_labels: bool
    env: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    user: str | None
    working_dir: str | None
    #: ``80/tcp``, ``53/udp``: the keys of ``ExposedPorts``, sorted.
    exposed_ports: tuple[str, ...] | None
    docker_version: str | None


class Manifest(Record):
    """What a manifest body says: an index's children, or an image's config and layers."""

    media_type: str
    children: tuple[PlatformEntry, ...] = ()
    config: Descriptor | None = None
    layers: tuple[Descriptor, ...] = ()

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header (``; charset=utf-8`` dropped)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def checked_digest(value: str | None) -> str | None:
    """``value`` when it is a valid, supported digest (a header may be missing or mangled)."""
    if not value:
        return None
    try:
        return validate_digest(value.strip())
    except InvalidReference:
        return None


def digest_of(body: bytes, algorithm: str = "sha256") -> str:
    """The digest of the exact bytes received; never of re-serialized JSON."""
    return f"{algorithm}:{_HASHES[algorithm](body).hexdigest()}"


def parse(body: bytes, content_type: str | None) -> Manifest:
    """Read a manifest body; the body's own ``mediaType`` wins over a vague Content-Type."""
    try:
        document = untrusted_json.loads(body)
    except ValueError as exc:
        raise ManifestError(f"manifest is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ManifestError("manifest is not a JSON object")
    kind = _kind(document, media_type(content_type))
    if kind in SCHEMA1_TYPES:
        raise ManifestError("schema 1 manifest: unsupported (deprecated by Docker and OCI)")
    if kind in INDEX_TYPES:
        return Manifest(kind, children=tuple(_children(document)))
    if kind in IMAGE_TYPES:
        config = document.get("config")
        layers = document.get("layers")
        if not isinstance(config, dict) or not isinstance(layers, list):
            raise ManifestError("image manifest without config or layers")
        return Manifest(
            kind, config=_descriptor(config), layers=tuple(_descriptor(item) for item in layers)
        )
    raise ManifestError(f"unsupported manifest media type {kind or 'unknown'!r}")


def _kind(document: dict[str, Any], header_type: str) -> str:
    declared = document.get("mediaType")
    if isinstance(declared, str) and declared:
        return declared
    if document.get("schemaVersion") == 1:
        return SCHEMA1_SIGNED if "signatures" in document else SCHEMA1
    if header_type in INDEX_TYPES | IMAGE_TYPES | SCHEMA1_TYPES:
        return header_type
    # An OCI body may omit mediaType; its shape says which it is.
    if "manifests" in document:
        return OCI_INDEX
    return OCI_MANIFEST if "config" in document else ""


def _descriptor(item: Any) -> Descriptor:
    if not isinstance(item, dict):
        raise ManifestError("descriptor is not an object")
    digest = checked_digest(item.get("digest") if isinstance(item.get("digest"), str) else None)
    size = item.get("size")
    if digest is None or isinstance(size, bool) or not isinstance(size, int):
        raise ManifestError("descriptor without a valid digest and size")
    annotations = item.get("annotations")
    if not (
        isinstance(annotations, dict)
        and all(isinstance(value, str) for value in annotations.values())
    ):
        annotations = None  # what a Go client would refuse is only not shown
    return Descriptor(_text(item, "mediaType") or "", digest, size, annotations)


def _children(document: dict[str, Any]) -> list[PlatformEntry]:
    manifests = document.get("manifests")
    if not isinstance(manifests, list):
        raise ManifestError("index without a manifests list")
    entries = []
    for item in manifests:
        descriptor = _descriptor(item)
        platform = item.get("platform") if isinstance(item.get("platform"), dict) else {}
        entries.append(
            PlatformEntry(
                os=_text(platform, "os") or "unknown",
                architecture=_text(platform, "architecture") or "unknown",
                variant=_text(platform, "variant"),
                digest=descriptor.digest,
                media_type=descriptor.media_type,
            )
        )
    return entries


def _text(document: dict[str, Any], key: str) -> str | None:
    """A string field; None when it is absent, empty or of another type (a registry's
    list or number is not read as its Python spelling)."""
    value = document.get(key)
    return value if isinstance(value, str) and value else None


def parse_config(body: bytes) -> ImageFacts:
    """The parts of an image config (image-spec ``config.md``) that the policy reads."""
    return _facts(*_config_document(body))


def parse_image_config(body: bytes) -> ImageConfig:
    """Everything ``inspect`` shows of an image config; a field of the wrong type is an error
    (skopeo's Go decoder refuses it too)."""
    document, inner = _config_document(body)
    settings = inner or {}
    ports = settings.get("ExposedPorts")
    if not isinstance(ports, (dict, type(None))):
        raise ManifestError("image config ExposedPorts is not an object")
    return ImageConfig(
        _facts(document, inner),
        has_labels=settings.get("Labels") is not None,
        env=_strings(settings, "Env"),
        entrypoint=_strings(settings, "Entrypoint"),
        cmd=_strings(settings, "Cmd"),
        user=_string(settings, "User"),
        working_dir=_string(settings, "WorkingDir"),
        exposed_ports=None if ports is None else tuple(sorted(str(port) for port in ports)),
        docker_version=_string(document, "docker_version"),
    )


def _config_document(body: bytes) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The config object and its ``config`` member (the container settings), if any."""
    try:
        document = untrusted_json.loads(body)
    except ValueError:
        document = None
    inner = document.get("config") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(inner, (dict, type(None))):
        raise ManifestError("image config is not a JSON object of the expected shape")
    return document, inner


def _facts(document: dict[str, Any], inner: dict[str, Any] | None) -> ImageFacts:
    labels = inner.get("Labels") if inner is not None else None
    if not isinstance(labels, (dict, type(None))):
        raise ManifestError("image config labels are not an object")
    return ImageFacts(
        created=_text(document, "created"),
        # Labels are strings (image-spec); a value of another type is not one.
        labels={k: v for k, v in (labels or {}).items() if isinstance(v, str)},
        os=_text(document, "os") or "unknown",
        architecture=_text(document, "architecture") or "unknown",
        variant=_text(document, "variant"),
    )


def _string(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if not isinstance(value, (str, type(None))):
        raise ManifestError(f"image config {key} is not a string")
    return value


def _strings(document: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError(f"image config {key} is not a list of strings")
    return tuple(value)
