"""Finding a digest's signatures in its registry, and checking the cosign ones (IMG010).

Signatures are looked for where the signing tools put them (docs/policy.md):

1. the OCI referrers API, ``GET /v2/<name>/referrers/<digest>``: an index of the
   artifacts whose subject is the digest (cosign in OCI 1.1 mode, Notation);
2. when the registry has no referrers API (404), the referrers tag schema's
   ``sha256-<hex>`` tag, where clients keep the same index;
3. cosign's own tag, ``sha256-<hex>.sig``: an image manifest whose layers are the
   signed payloads, each with its signature in an annotation.

Cosign signatures are verified offline (linter.signatures) with the configured keys,
over the exact bytes of the payload blob. Notation signatures are reported as found;
verifying them (X.509 chains, trust policies) is ``notation verify``'s job. The
search stops as soon as the verdict is settled (a signature verified, or, with no
keys, one found) unless every signature is wanted (``inspect``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linter import untrusted_json
from linter.model import ErrorKind, Signature, SignatureState, SignatureStatus
from linter.registry.api.client import RegistryClient
from linter.registry.api.manifests import OCI_INDEX, checked_digest, digest_of
from linter.registry.api.pages import next_page
from linter.registry.api.target import Target
from linter.registry.errors import RegistryError, status_error
from linter.signatures import (
    COSIGN_ARTIFACT_TYPE,
    COSIGN_SIGNATURE_ANNOTATION,
    NOTATION_ARTIFACT_TYPE,
    NamedKey,
    verify,
)

COSIGN = "cosign"
NOTATION = "notation"
_KINDS = {COSIGN_ARTIFACT_TYPE: COSIGN, NOTATION_ARTIFACT_TYPE: NOTATION}
#: What a registry without the referrers API answers (the spec says 404; some say 400/405/501).
_NO_REFERRERS_API = frozenset({400, 404, 405, 501})
#: Bounds against a registry that never stops: pages of referrers, bytes of one payload.
MAX_PAGES = 10
MAX_PAYLOAD = 256 * 1024
MAX_TAG = 128
NOTATION_UNCHECKED = "Notation signatures are not verified by imagepin (use `notation verify`)"


def referrers_tag(digest: str) -> str:
    """The referrers tag schema's fallback tag: ``sha256-<hex>``."""
    algorithm, _, encoded = digest.partition(":")
    return f"{algorithm[:32]}-{encoded[:64]}"


def cosign_tag(digest: str) -> str:
    """Where cosign stores signatures when it does not use referrers: ``sha256-<hex>.sig``."""
    return digest.replace(":", "-", 1) + ".sig"


async def find(
    client: RegistryClient,
    target: Target,
    digest: str,
    *,
    repository: str,
    keys: tuple[NamedKey, ...],
    complete: bool = False,
) -> SignatureStatus:
    """The signatures of ``digest`` in ``target``'s repository, and the verdict on them.

    ``repository`` is the name the signed payload must carry (the reference's own, also
    when ``target`` is a mirror). Raises RegistryError when the registry cannot be asked;
    a missing signature artifact is never an error, only one reason fewer to trust.
    """
    search = _Search(client, target, digest, repository, keys, complete)
    for kind, source, manifest in await search.referrers():
        if search.settled():
            break
        await search.referrer(kind, source, manifest)
    if not search.settled():
        await search.cosign_tag()
    return verdict(digest, search.found, bool(keys))


def verdict(digest: str, found: list[Signature], keyed: bool) -> SignatureStatus:
    signatures = tuple(found)
    if not signatures:
        return SignatureStatus(
            digest, SignatureState.MISSING, reason="no cosign or Notation signature found"
        )
    verified = next((s for s in signatures if s.verified), None)
    if verified is not None:
        reason = f"verified with {verified.key} ({verified.kind}, {verified.source})"
        return SignatureStatus(digest, SignatureState.VERIFIED, signatures, reason)
    if not keyed:
        count = f"{len(signatures)} signature{'s' if len(signatures) != 1 else ''}"
        reason = f"{count} found, not verified (no signature-keys configured)"
        return SignatureStatus(digest, SignatureState.FOUND, signatures, reason)
    return SignatureStatus(digest, SignatureState.UNVERIFIED, signatures, _why_not(signatures))


def _why_not(signatures: tuple[Signature, ...]) -> str:
    """The most telling reason: a valid signature whose claims do not match beats a bad one."""
    cosign = [s for s in signatures if s.kind == COSIGN]
    if not cosign:
        return "only Notation signatures, which signature-keys (cosign public keys) cannot verify"
    signed = [s for s in cosign if s.key is not None]
    return (signed or cosign)[0].reason


@dataclass
class _Search:
    client: RegistryClient
    target: Target
    digest: str
    repository: str
    keys: tuple[NamedKey, ...]
    complete: bool
    found: list[Signature] = field(default_factory=list)

    def settled(self) -> bool:
        if self.complete:
            return False
        return any(s.verified for s in self.found) or (not self.keys and bool(self.found))

    async def referrers(self) -> list[tuple[str, str, str]]:
        """(kind, where, manifest digest) of each signature the referrers API (or its tag) lists."""
        path = f"/v2/{self.target.path}/referrers/{self.digest}"
        found: list[tuple[str, str, str]] = []
        for page in range(MAX_PAGES):
            response = await self.client.request(
                "GET", self.target.authority, path, {"Accept": OCI_INDEX}
            )
            if page == 0 and response.status_code in _NO_REFERRERS_API:
                return await self._referrers_tag()
            if not response.is_success:
                what = f"{self.target.path} referrers of {self.digest}"
                raise status_error(
                    response.status_code, response.content, self.target.registry, what
                )
            entries = _signature_entries(response.content, "referrers API")
            if entries is None:
                # Not an index: a registry that answers unknown routes with 200, say.
                return await self._referrers_tag() if page == 0 else found
            found += entries
            link = next_page(response.headers.get("link"))
            if link is None:
                break
            path = link
        return found

    async def _referrers_tag(self) -> list[tuple[str, str, str]]:
        tag = referrers_tag(self.digest)
        body = await self._manifest(tag)
        return (_signature_entries(body, f"tag {tag}") or []) if body is not None else []

    async def referrer(self, kind: str, source: str, manifest: str) -> None:
        if kind == NOTATION:
            checked = False if self.keys else None
            self.found.append(
                Signature(NOTATION, source, manifest, checked, None, NOTATION_UNCHECKED)
            )
            return
        if not self.keys:
            self.found.append(Signature(COSIGN, source, manifest))
            return
        body = await self._manifest(manifest)
        if body is None or digest_of(body, manifest.split(":", 1)[0]) != manifest:
            reason = "the signature manifest is missing or does not match its digest"
            self.found.append(Signature(COSIGN, source, manifest, False, None, reason))
            return
        await self._cosign_layers(body, source, manifest)

    async def cosign_tag(self) -> None:
        tag = cosign_tag(self.digest)
        if len(tag) > MAX_TAG:
            return  # a sha512 digest: no registry takes a tag that long, so cosign wrote none
        body = await self._manifest(tag)
        if body is not None:
            await self._cosign_layers(body, f"tag {tag}", digest_of(body))

    async def _cosign_layers(self, body: bytes, source: str, manifest: str) -> None:
        for payload, size, signature in _signed_layers(body):
            if self.settled():
                return
            if not self.keys:
                self.found.append(Signature(COSIGN, source, manifest))
                continue
            checked = await self._check(payload, size, signature)
            self.found.append(Signature(COSIGN, source, manifest, *checked))

    async def _check(
        self, payload_digest: str, size: int, signature: str
    ) -> tuple[bool, str | None, str]:
        """(verified, signer, reason) of one cosign payload and its signature."""
        if size > MAX_PAYLOAD:
            return False, None, f"the payload is larger than {MAX_PAYLOAD} bytes"
        try:
            payload = await self.client.blob(self.target, payload_digest)
        except RegistryError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            return False, None, f"the payload blob {payload_digest} is missing"
        if digest_of(payload, payload_digest.split(":", 1)[0]) != payload_digest:
            return False, None, "the payload blob does not match its digest"
        checked = verify(
            payload, signature, self.keys, digest=self.digest, repository=self.repository
        )
        return checked.verified, checked.key, checked.reason

    async def _manifest(self, reference: str) -> bytes | None:
        """A manifest's body by tag or digest; None when the registry has none."""
        try:
            response = await self.client.manifest(self.target, reference, head=False)
        except RegistryError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return response.content


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        document = untrusted_json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return None
    return document if isinstance(document, dict) else None


def _signature_entries(body: bytes, source: str) -> list[tuple[str, str, str]] | None:
    """The signatures an index of referrers lists; None when ``body`` is not an index."""
    document = _json_object(body)
    manifests = document.get("manifests") if document is not None else None
    if not isinstance(manifests, list):
        return None
    entries = []
    for item in manifests:
        if not isinstance(item, dict):
            continue
        kind = _KINDS.get(str(item.get("artifactType")))
        digest = item.get("digest")
        checked = checked_digest(digest) if isinstance(digest, str) else None
        if kind is not None and checked is not None:
            entries.append((kind, source, checked))
    return entries


def _signed_layers(body: bytes) -> list[tuple[str, int, str]]:
    """(payload digest, size, signature) of each layer of a cosign signature manifest."""
    document = _json_object(body)
    layers = document.get("layers") if document is not None else None
    signed = []
    for layer in layers if isinstance(layers, list) else []:
        if not isinstance(layer, dict):
            continue
        annotations = layer.get("annotations")
        signature = (
            annotations.get(COSIGN_SIGNATURE_ANNOTATION) if isinstance(annotations, dict) else None
        )
        digest, size = layer.get("digest"), layer.get("size")
        checked = checked_digest(digest) if isinstance(digest, str) else None
        if (
            isinstance(signature, str)
            and checked is not None
            and isinstance(size, int)
            and not isinstance(size, bool)
        ):
            signed.append((checked, size, signature))
    return signed
