"""``inspect``: what a remote image is, without pulling it (like ``skopeo inspect``).

The top-level digest (the index, for a multi-platform tag), its platforms, and for
one platform the image's creation time, labels, layer count and size, read from
the platform manifest and its config blob — each body checked against its digest;
and the signatures of the top-level digest, cosign ones verified with the keys of
``RegistryOptions.signature_keys`` (registry/signatures.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from linter.model import ErrorKind, PlatformEntry, SignatureStatus
from linter.reference import Reference
from linter.registry import RegistryOptions
from linter.registry.errors import RegistryError, display_host
from linter.registry.manifests import INDEX_TYPES
from linter.registry.platforms import Platform, host_platform, is_attestation, select
from linter.registry.resolver import ClientFactory, Resolver
from linter.registry.stats import RunStats


@dataclass(frozen=True)
class PlatformImage:
    platform: str
    digest: str
    media_type: str
    created: str | None
    labels: dict[str, str]
    layers: int
    size: int


@dataclass(frozen=True)
class ImageDetails:
    reference: Reference
    digest: str
    media_type: str
    platforms: tuple[PlatformEntry, ...]
    image: PlatformImage
    signatures: SignatureStatus

    def to_json(self) -> dict[str, Any]:
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
            "image": {
                "platform": self.image.platform,
                "digest": self.image.digest,
                "media_type": self.image.media_type,
                "created": self.image.created,
                "labels": self.image.labels,
                "layers": self.image.layers,
                "size": self.image.size,
            },
            "signatures": {
                "state": self.signatures.state.value,
                "key": self.signatures.key,
                "reason": self.signatures.reason,
                "found": [asdict(s) for s in self.signatures.signatures],
            },
        }


def _choose(entries: tuple[PlatformEntry, ...], wanted: Platform | None) -> PlatformEntry | None:
    """The requested platform, else this machine's, else the first real image."""
    if wanted is not None:
        return select(entries, wanted)
    return select(entries, host_platform()) or next(
        (e for e in entries if not is_attestation(e)), None
    )


async def inspect(
    ref: Reference, options: RegistryOptions, stats: RunStats, client: ClientFactory | None = None
) -> ImageDetails:
    resolver = Resolver(options, stats, client)
    registry = display_host(ref.api_host)
    try:
        tag = ref.effective_tag
        if tag is not None:
            digest = (await resolver.tag(ref, tag)).digest
        else:
            assert ref.digest is not None
            digest = ref.digest
        top = await resolver.fetched(ref, digest)
        platforms = top.children or ()
        image_digest, image = digest, top
        wanted = Platform.parse(options.platform) if options.platform else None
        if top.media_type in INDEX_TYPES:
            entry = _choose(platforms, wanted)
            if entry is None:
                raise RegistryError(
                    ErrorKind.NOT_FOUND, f"{ref.path} has no {wanted or 'usable'} image", registry
                )
            image_digest, image = entry.digest, await resolver.fetched(ref, entry.digest)
        if image.config is None or image.layers is None or image.size is None:
            raise RegistryError(ErrorKind.INVALID, f"{image_digest} is not an image", registry)
        facts = await resolver.image(ref, image.config)
        signatures = await resolver.signatures(ref, digest, complete=True)
        return ImageDetails(
            ref,
            digest,
            top.media_type,
            platforms,
            PlatformImage(
                str(Platform(facts.os, facts.architecture, facts.variant)),
                image_digest,
                image.media_type,
                facts.created,
                facts.labels,
                image.layers,
                image.size,
            ),
            signatures,
        )
    finally:
        await resolver.aclose()
