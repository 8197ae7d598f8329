"""``inspect``: what a remote image is, without pulling it (like ``skopeo inspect``).

The top-level manifest (the index, for a multi-platform tag) and its platforms; for
one platform its manifest and config blob: layers, creation time, labels,
environment, entrypoint and the rest of the config; the repository's tags; and the
signatures of the top-level digest, cosign ones verified with the keys of
``RegistryOptions.signature_keys`` (registry/signatures.py).

Every manifest and blob is checked against its digest before anything from it is
used, and kept byte for byte (``--raw``, ``--config-blob``). Only the parts asked
for are read (:class:`Wanted`): ``--raw`` costs one request, and nothing is asked
again that the cache already holds (docs/registry.md counts the requests).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from linter.model import ErrorKind, PlatformEntry, SignatureStatus
from linter.reference import Reference
from linter.registry.api.manifests import (
    Descriptor,
    ImageConfig,
    Manifest,
    ManifestError,
    digest_of,
    parse,
    parse_image_config,
)
from linter.registry.api.tags import TagList
from linter.registry.cache.bodies import MAX_BODY
from linter.registry.errors import RegistryError, display_host, unexpected
from linter.registry.facts.platforms import Platform, host_platform, is_attestation, select
from linter.registry.options import RegistryOptions
from linter.registry.resolution.answers import Answers, ClientFactory
from linter.registry.stats import RunStats

#: The top-level keys of imagepin's document, and the part of the image (:class:`Wanted`)
#: each needs read (for ``--field``); None: the top-level manifest is enough.
JSON_PARTS: dict[str, str | None] = {
    "name": None,
    "tag": None,
    "digest": None,
    "media_type": None,
    "platforms": None,
    "image": "image",
    "tags": "tags",
    "tags_complete": "tags",
    "signatures": "signatures",
}
#: The keys of imagepin's ``image`` object.
IMAGE_KEYS = (
    "platform",
    "digest",
    "media_type",
    "config_digest",
    "created",
    "docker_version",
    "labels",
    "env",
    "entrypoint",
    "cmd",
    "user",
    "working_dir",
    "exposed_ports",
    "layers",
    "size",
)
#: The same for ``--format skopeo``.
SKOPEO_PARTS: dict[str, str | None] = {
    "Name": None,
    "Digest": None,
    "RepoTags": "tags",
    **dict.fromkeys(
        ("Created", "DockerVersion", "Labels", "Architecture", "Os", "Layers", "LayersData", "Env"),
        "image",
    ),
}


@dataclass(frozen=True)
class Wanted:
    """What to read beyond the top-level manifest."""

    #: The chosen platform's manifest and config blob.
    image: bool = True
    signatures: bool = True
    #: The repository's tags, at most this many; None: not listed.
    tags: int | None = None


@dataclass(frozen=True)
class PlatformImage:
    platform: str
    digest: str
    media_type: str
    config_digest: str
    config: ImageConfig
    layers: tuple[Descriptor, ...]
    #: The config blob, byte for byte, checked against ``config_digest``.
    config_blob: bytes

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)


@dataclass(frozen=True)
class ImageDetails:
    reference: Reference
    digest: str
    media_type: str
    #: The top-level manifest, byte for byte, checked against ``digest``.
    manifest: bytes
    platforms: tuple[PlatformEntry, ...]
    #: None when not asked for (:class:`Wanted`).
    image: PlatformImage | None
    signatures: SignatureStatus | None
    tags: TagList | None

    def to_json(self) -> dict[str, Any]:
        """imagepin's own document; a part not asked for is null."""
        signatures = self.signatures
        return {
            "name": self.reference.name,
            "tag": self.reference.effective_tag,
            "digest": self.digest,
            "media_type": self.media_type,
            "platforms": [
                {
                    "os": p.os,
                    "architecture": p.architecture,
                    "variant": p.variant,
                    "digest": p.digest,
                    "media_type": p.media_type,
                }
                for p in self.platforms
            ],
            "image": None if self.image is None else _image_json(self.image),
            "tags": None if self.tags is None else list(self.tags.tags),
            "tags_complete": None if self.tags is None else self.tags.complete,
            "signatures": None
            if signatures is None
            else {
                "state": signatures.state.value,
                "key": signatures.key,
                "reason": signatures.reason,
                "found": [s._asdict() for s in signatures.signatures],
            },
        }

    def to_skopeo(self) -> dict[str, Any]:
        """``skopeo inspect``'s document: its keys and shapes (null where Go prints null),
        so existing ``jq`` filters keep working; ``LayersData`` as skopeo 1.10+ prints it.
        Without the image (``--field Digest`` does not read it) only the first keys."""
        document: dict[str, Any] = {
            "Name": self.reference.name,
            "Digest": self.digest,
            "RepoTags": [] if self.tags is None else list(self.tags.tags),
        }
        if self.image is None:
            return document
        image, config = self.image, self.image.config
        return {
            **document,
            "Created": go_time(config.facts.created),
            "DockerVersion": config.docker_version or "",
            "Labels": config.facts.labels if config.has_labels else None,
            "Architecture": config.facts.architecture,
            "Os": config.facts.os,
            "Layers": [layer.digest for layer in image.layers],
            "LayersData": [
                {
                    "MIMEType": layer.media_type,
                    "Digest": layer.digest,
                    "Size": layer.size,
                    "Annotations": layer.annotations,
                }
                for layer in image.layers
            ],
            "Env": None if config.env is None else list(config.env),
        }


def _image_json(image: PlatformImage) -> dict[str, Any]:
    config = image.config
    return {
        "platform": image.platform,
        "digest": image.digest,
        "media_type": image.media_type,
        "config_digest": image.config_digest,
        "created": config.facts.created,
        "docker_version": config.docker_version,
        "labels": config.facts.labels,
        "env": _listed(config.env),
        "entrypoint": _listed(config.entrypoint),
        "cmd": _listed(config.cmd),
        "user": config.user,
        "working_dir": config.working_dir,
        "exposed_ports": _listed(config.exposed_ports),
        "layers": [
            {
                "digest": layer.digest,
                "size": layer.size,
                "media_type": layer.media_type,
                "annotations": layer.annotations,
            }
            for layer in image.layers
        ],
        "size": image.size,
    }


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)")


def go_time(created: str | None) -> str | None:
    """``created`` as Go's ``time.Time`` prints it (skopeo): trailing zeros of the fraction
    of a second dropped. Anything that is not RFC 3339 is left as it is."""
    match = _RFC3339.fullmatch(created or "")
    if match is None:
        return created
    fraction = (match[2] or "")[:9].rstrip("0")
    return f"{match[1]}{'.' + fraction if fraction else ''}{match[3]}"


def _choose(entries: tuple[PlatformEntry, ...], wanted: Platform | None) -> PlatformEntry | None:
    """The requested platform, else this machine's, else the first real image."""
    if wanted is not None:
        return select(entries, wanted)
    return select(entries, host_platform()) or next(
        (e for e in entries if not is_attestation(e)), None
    )


async def inspect(
    ref: Reference,
    options: RegistryOptions,
    stats: RunStats,
    client: ClientFactory | None = None,
    wanted: Wanted | None = None,
) -> ImageDetails:
    """What ``ref`` is; raises RegistryError. A reference with a digest is inspected by
    its digest (what runs), also when it has a tag."""
    wanted = wanted or Wanted()
    answers = Answers(options, stats, client)
    registry = display_host(ref.api_host)
    try:
        reference = ref.digest or ref.effective_tag
        assert reference is not None  # a reference has a tag, a digest, or both
        top = await answers.manifest_body(ref, reference)
        manifest = _manifest(top.body, top.facts.media_type, top.digest, registry)
        image, signatures, tags = await asyncio.gather(
            _platform_image(answers, ref, top.digest, manifest, options, registry)
            if wanted.image
            else _nothing(),
            answers.signatures(ref, top.digest, complete=True) if wanted.signatures else _nothing(),
            answers.tag_list(ref, wanted.tags) if wanted.tags is not None else _nothing(),
        )
        return ImageDetails(
            ref,
            top.digest,
            manifest.media_type,
            top.body,
            manifest.children,
            image,
            signatures,
            tags,
        )
    except RegistryError:
        raise
    except Exception as exc:  # a hostile answer is an error about this image, as in resolve
        raise unexpected(exc, registry) from None
    finally:
        await answers.aclose()


async def _nothing() -> None:
    return None


async def _platform_image(
    answers: Answers,
    ref: Reference,
    digest: str,
    manifest: Manifest,
    options: RegistryOptions,
    registry: str,
) -> PlatformImage:
    """The chosen platform's image manifest (``manifest`` itself when it is one) and config."""
    if manifest.is_index:
        wanted = Platform.parse(options.platform) if options.platform else None
        entry = _choose(manifest.children, wanted)
        if entry is None:
            raise RegistryError(
                ErrorKind.NOT_FOUND, f"{ref.path} has no {wanted or 'usable'} image", registry
            )
        child = await answers.manifest_body(ref, entry.digest)
        digest = child.digest
        manifest = _manifest(child.body, child.facts.media_type, digest, registry)
    if manifest.config is None or manifest.is_index:
        raise RegistryError(ErrorKind.INVALID, f"{digest} is not an image", registry)
    descriptor = manifest.config
    if descriptor.size > MAX_BODY:  # the client would refuse it after 4 MiB anyway
        raise RegistryError(
            ErrorKind.INVALID,
            f"{ref.path}@{descriptor.digest}: the config blob is {descriptor.size} bytes, "
            f"over the {MAX_BODY // (1024 * 1024)} MiB cap; not read",
            registry,
        )
    blob = await answers.blob(ref, descriptor.digest)
    if len(blob) != descriptor.size:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{ref.path}@{descriptor.digest}: the config blob is {len(blob)} bytes, "
            f"its descriptor says {descriptor.size}",
            registry,
        )
    try:
        config = parse_image_config(blob)
    except ManifestError as exc:
        raise RegistryError(
            ErrorKind.INVALID, f"{ref.path}@{descriptor.digest}: {exc}", registry
        ) from None
    facts = config.facts
    return PlatformImage(
        str(Platform(facts.os, facts.architecture, facts.variant)),
        digest,
        manifest.media_type,
        descriptor.digest,
        config,
        manifest.layers,
        blob,
    )


def _manifest(body: bytes, content_type: str, digest: str, registry: str) -> Manifest:
    """``body`` read as a manifest, once more checked against ``digest``."""
    if digest_of(body, digest.partition(":")[0]) != digest:
        raise RegistryError(
            ErrorKind.INVALID, f"{digest}: the manifest does not match it", registry
        )
    try:
        return parse(body, content_type)
    except ManifestError as exc:
        raise RegistryError(ErrorKind.INVALID, f"{digest}: {exc}", registry) from None
