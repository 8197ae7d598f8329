"""One request's worth of resolving: a tag's HEAD, a manifest's GET, a blob, each checked.

A manifest's digest is the hash of its body: a registry's digest header is used
only when a HEAD is all that is asked, and is never believed over the body.
"""

from __future__ import annotations

from linter.model import ErrorKind
from linter.records import Record
from linter.registry.api.client import RegistryClient
from linter.registry.api.manifests import (
    IMAGE_TYPES,
    INDEX_TYPES,
    SCHEMA1_TYPES,
    ManifestError,
    checked_digest,
    digest_of,
    media_type,
    parse,
)
from linter.registry.api.target import Target
from linter.registry.cache.store import ManifestFacts, TagFacts
from linter.registry.errors import RegistryError


class Fetched(Record):
    """A manifest read by GET: its digest (the body's hash), what it says, its exact bytes."""

    digest: str
    facts: ManifestFacts
    body: bytes


async def tag_head(client: RegistryClient, target: Target, tag: str) -> TagFacts | None:
    """What ``tag`` points to, by HEAD; None when the answer is not enough (no usable
    digest header, or no HEAD support): then the manifest is read and hashed."""
    response = await client.manifest(target, tag, head=True)
    kind = media_type(response.headers.get("content-type"))
    digest = checked_digest(response.headers.get("docker-content-digest"))
    if response.is_success and kind in SCHEMA1_TYPES:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{target.path}:{tag} is a schema 1 manifest: unsupported (deprecated by Docker)",
            target.registry,
        )
    if response.is_success and digest is not None and kind in INDEX_TYPES | IMAGE_TYPES:
        return TagFacts(digest, kind)
    return None


async def digest_head(client: RegistryClient, target: Target, digest: str) -> ManifestFacts | None:
    """Facts about ``digest`` by HEAD; None when the registry does not do HEAD."""
    response = await client.manifest(target, digest, head=True)
    if not response.is_success:
        return None
    return ManifestFacts(media_type(response.headers.get("content-type")))


async def manifest(client: RegistryClient, target: Target, reference: str) -> Fetched:
    """GET a manifest by tag or digest and check its hash: against the digest asked for,
    and against the registry's digest header, which is never believed over the body."""
    response = await client.manifest(target, reference, head=False)
    body = response.content
    expected = checked_digest(reference)
    header = checked_digest(response.headers.get("docker-content-digest"))
    algorithm = (expected or header or "sha256:").split(":", 1)[0]
    computed = digest_of(body, algorithm)
    where = f"{target.path}{'@' if expected else ':'}{reference}"
    if expected is not None and computed != expected:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{where}: the manifest received hashes to {computed}, not the digest asked for",
            target.registry,
        )
    if header is not None and header.startswith(algorithm + ":") and header != computed:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{where}: the registry's digest header {header} disagrees with the manifest "
            f"body ({computed}); not pinning to either",
            target.registry,
        )
    try:
        parsed = parse(body, response.headers.get("content-type"))
    except ManifestError as exc:
        raise RegistryError(ErrorKind.INVALID, f"{where}: {exc}", target.registry) from None
    facts = ManifestFacts(
        parsed.media_type,
        verified=True,
        children=parsed.children if parsed.is_index else None,
        config=parsed.config.digest if parsed.config else None,
        layers=None if parsed.is_index else len(parsed.layers),
        size=None if parsed.is_index else sum(layer.size for layer in parsed.layers),
    )
    return Fetched(computed, facts, body)


async def blob(client: RegistryClient, target: Target, digest: str) -> bytes:
    """A blob's exact bytes, checked against its digest."""
    body = await client.blob(target, digest)
    if digest_of(body, digest.split(":", 1)[0]) != digest:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{target.path}@{digest}: the blob received does not match its digest",
            target.registry,
        )
    return body
