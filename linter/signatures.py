"""Offline verification of cosign key-based signatures (IMG010).

A cosign signature is a "simple signing" payload (JSON naming the manifest
digest and the repository) plus a signature over the exact payload bytes,
stored in the layer annotation ``dev.cosignproject.cosign/signature``. This
module checks one payload against the configured public keys; fetching the
signature manifest and payload is the registry client's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from typing import Any

from linter import safe_read, untrusted_json
from linter.records import Record

COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
COSIGN_PAYLOAD_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json"
NOTATION_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature"


class SignatureKeyError(Exception):
    """A configured key file that cannot be used; the message names it."""


class NamedKey(Record):
    name: str
    key: Any  # a cryptography public key object


class Verdict(Record):
    verified: bool
    #: The key that verified, by file name.
    key: str | None
    reason: str


def load_keys(paths: Sequence[str], root: str) -> list[NamedKey]:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys = []
    for name in paths:
        path = os.path.join(root, name)  # a name that is absolute stays so
        try:
            keys.append(NamedKey(name, load_pem_public_key(safe_read.read_bytes(path))))
        except safe_read.ReadError as exc:
            raise SignatureKeyError(f"signature key {name}: cannot read: {exc}") from None
        except ValueError as exc:
            raise SignatureKeyError(f"signature key {name}: not a PEM public key ({exc})") from None
    return keys


def fingerprint(keys: Sequence[NamedKey]) -> str:
    """Names and public key bytes of ``keys``, hashed: a cached verdict holds for this set only."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    digest = hashlib.sha256()
    for named in keys:
        der = named.key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        digest.update(named.name.encode() + b"\0" + der + b"\0")
    return digest.hexdigest()


def _signature_matches(key: Any, signature: bytes, payload: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _payload_claims(payload: bytes) -> tuple[str | None, str | None]:
    try:
        document = untrusted_json.loads(payload)
        critical = document["critical"]
        return (
            critical["image"]["docker-manifest-digest"],
            critical["identity"]["docker-reference"],
        )
    except (ValueError, KeyError, TypeError):
        return None, None


def verify(
    payload: bytes,
    signature_b64: str,
    keys: Sequence[NamedKey],
    *,
    digest: str,
    repository: str,
) -> Verdict:
    """Check one cosign signature over ``payload`` for the image ``repository@digest``.

    ``repository`` is the name without tag as cosign writes it (e.g. ``ghcr.io/acme/app``
    or ``localhost:5000/app``); ``docker.io/library/x`` also matches ``x`` and ``library/x``.
    """
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return Verdict(False, None, "the signature annotation is not base64")
    signer = next((k.name for k in keys if _signature_matches(k.key, signature, payload)), None)
    if signer is None:
        names = ", ".join(k.name for k in keys)
        return Verdict(
            False, None, f"the signature does not verify with any configured key ({names})"
        )
    signed_digest, signed_reference = _payload_claims(payload)
    if signed_digest is None:
        return Verdict(False, signer, "the signed payload is not a cosign simple-signing document")
    if signed_digest != digest:
        return Verdict(False, signer, f"the signature is for {signed_digest}, not {digest}")
    if signed_reference is None or not _same_repository(signed_reference, repository):
        return Verdict(
            False, signer, f"the signature names {signed_reference!r}, not {repository!r}"
        )
    return Verdict(True, signer, f"verified with {signer}")


def _same_repository(signed: str, repository: str) -> bool:
    from linter.reference import InvalidReference, parse

    try:
        return parse(signed).name == parse(repository).name
    except InvalidReference:
        return signed == repository
