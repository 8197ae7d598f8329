"""What the trust policy needs about the deployed digest: platform, creation time, signatures.

The deployed digest is the pin when the reference has one, else what the tag
resolves to (what ``fix`` writes). Each fact costs requests only when its rule is
configured (``RegistryOptions.need_*``), and each request is one the run
asks once and caches (docs/policy.md counts them).
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from typing import Protocol

from linter.model import ErrorKind, PlatformEntry, Resolution, SignatureStatus
from linter.reference import Reference
from linter.registry.api.manifests import IMAGE_TYPES, INDEX_TYPES, ImageFacts
from linter.registry.cache.store import ManifestFacts
from linter.registry.errors import RegistryError, display_host
from linter.registry.facts.platforms import Platform, is_attestation, select
from linter.registry.options import RegistryOptions


class Answers(Protocol):
    """The questions the facts ask, each answered once per run and cached
    (linter.registry.resolution.answers answers them; this module never imports it)."""

    async def exists(self, ref: Reference, digest: str) -> ManifestFacts | None: ...

    async def fetched(self, ref: Reference, digest: str) -> ManifestFacts: ...

    async def children(self, ref: Reference, digest: str) -> tuple[PlatformEntry, ...]: ...

    async def image(self, ref: Reference, config: str) -> ImageFacts: ...

    async def signatures(
        self, ref: Reference, digest: str, *, complete: bool = False
    ) -> SignatureStatus: ...


#: The image whose ``created`` stands for an index's, unless ``platform`` says otherwise.
DEFAULT_PLATFORM = Platform("linux", "amd64")
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?"
)


def deployed_digest(resolution: Resolution) -> str | None:
    """The digest that runs: the pin (when it exists), else the tag's digest."""
    ref = resolution.reference
    if ref.digest is not None:
        return ref.digest if resolution.pinned_exists else None
    return resolution.digest


def parse_created(text: str | None) -> datetime | None:
    """An image config's RFC 3339 ``created`` (Go writes nanoseconds); None when absent or
    not a real time: reproducible builds write the Unix epoch or Go's zero time."""
    match = _RFC3339.fullmatch((text or "").strip())
    if match is None:
        return None
    day, clock, fraction, utc, sign, hours, minutes = match.groups()
    offset = timedelta(0)
    if not utc and sign:
        offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
    try:
        value = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S").replace(
            microsecond=int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone(offset)
        )
    except ValueError:
        return None
    return value if value > datetime(1970, 1, 1, tzinfo=timezone.utc) else None


async def with_facts(
    answers: Answers, resolution: Resolution, options: RegistryOptions
) -> Resolution:
    """``resolution`` with the facts the configured policy needs; raises RegistryError."""
    digest = deployed_digest(resolution)
    if digest is None or not (
        options.need_platforms or options.need_created or options.need_signatures
    ):
        return resolution  # nothing to fetch: no two tasks per reference for nothing
    (platform, created), signature = await asyncio.gather(
        _image_facts(answers, resolution, digest, options),
        _signature(answers, resolution.reference, digest, options),
    )
    return resolution._replace(platform=platform, created=created, signature=signature)


async def _signature(
    answers: Answers, ref: Reference, digest: str, options: RegistryOptions
) -> SignatureStatus | None:
    return await answers.signatures(ref, digest) if options.need_signatures else None


async def _image_facts(
    answers: Answers, resolution: Resolution, digest: str, options: RegistryOptions
) -> tuple[PlatformEntry | None, datetime | None]:
    """(the platform of a single-platform image, when it was built), as far as needed."""
    if not (options.need_platforms or options.need_created):
        return None, None
    ref = resolution.reference
    # A pin to one child of the tag's index: its platform is in the index already.
    entry = next((p for p in resolution.platforms if p.digest == digest), None)
    kind = entry.media_type if entry is not None else await _kind(answers, resolution, digest)
    if kind in INDEX_TYPES:
        # IMG008 reads the index's children (Resolution.platforms); IMG012 one child's config.
        created = await _index_created(answers, ref, digest, options)
        return None, created
    if entry is not None and not options.need_created:
        return entry, None
    config = await _config(answers, ref, digest)
    platform = entry or PlatformEntry(config.os, config.architecture, config.variant, digest, kind)
    return (
        platform if options.need_platforms else None,
        parse_created(config.created) if options.need_created else None,
    )


async def _kind(answers: Answers, resolution: Resolution, digest: str) -> str:
    """The deployed manifest's media type, from what resolving already learnt when it can."""
    kind = resolution.media_type if resolution.digest in (None, digest) else None
    if kind is None:
        found = await answers.exists(resolution.reference, digest)  # asked while resolving
        kind = found.media_type if found is not None else None
    if kind not in INDEX_TYPES | IMAGE_TYPES:
        kind = (await answers.fetched(resolution.reference, digest)).media_type
    return kind


async def _index_created(
    answers: Answers, ref: Reference, digest: str, options: RegistryOptions
) -> datetime | None:
    if not options.need_created:
        return None
    children = await answers.children(ref, digest)
    wanted = Platform.parse(options.platform) if options.platform else DEFAULT_PLATFORM
    child = select(children, wanted) or next((c for c in children if not is_attestation(c)), None)
    if child is None:
        return None
    return parse_created((await _config(answers, ref, child.digest)).created)


async def _config(answers: Answers, ref: Reference, digest: str) -> ImageFacts:
    manifest = await answers.fetched(ref, digest)
    if manifest.config is None:
        raise RegistryError(
            ErrorKind.INVALID, f"{ref.path}@{digest} is not an image", display_host(ref.api_host)
        )
    return await answers.image(ref, manifest.config)
