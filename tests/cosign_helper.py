"""Signatures for the test registries, laid out the way cosign and Notation lay them out.

cosign's tag layout: the tag ``sha256-<hex>.sig`` holds an OCI image manifest whose
layers are "simple signing" payloads (``application/vnd.dev.cosign.simplesigning.v1+json``),
each with its signature (base64, over the exact payload bytes) in the layer
annotation ``dev.cosignproject.cosign/signature``. In OCI 1.1 mode the same manifest
also carries ``artifactType`` and a ``subject`` and is listed by the referrers API,
or, on a registry without one (distribution 2.8), in the index of the ``sha256-<hex>``
tag. Notation signatures are artifacts of type ``application/vnd.cncf.notary.signature``.

Keys are derived from a seed, so every run signs with the same keys and the public key
in ``examples/policy/cosign.pub`` is the test key's; no private key is stored anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from registry_server import OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, Blob, Image

# Spelled out as cosign and Notation write them, not imported from linter.signatures:
# a wrong name in the product must not be copied into the signatures that test it.
COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
COSIGN_PAYLOAD_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json"
NOTATION_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature"
EMPTY = "application/vnd.oci.empty.v1+json"
#: The seed of the key examples/policy/cosign.pub holds.
EXAMPLE_KEY_SEED = "imagepin example signing key"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def signing_key(seed: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key (cosign's default) that depends only on ``seed``."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return ec.derive_private_key(number % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def public_pem(key: Any) -> bytes:
    public = key.public_key()
    return bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def write_public_key(key: Any, path: Path) -> Path:
    path.write_bytes(public_pem(key))
    return path


def simple_signing(repository: str, digest: str) -> bytes:
    """cosign's payload for ``repository@digest``, byte for byte as cosign writes it."""
    document = {
        "critical": {
            "identity": {"docker-reference": repository},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def sign(key: Any, data: bytes) -> str:
    """The base64 signature cosign puts in the annotation (SHA-256; Ed25519 signs raw)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        raw = key.sign(data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        raw = key.sign(data)
    return base64.b64encode(raw).decode()


def _manifest(
    config: Blob,
    layers: Sequence[tuple[Blob, dict[str, str]]],
    *,
    artifact_type: str | None = None,
    subject: Image | None = None,
) -> Image:
    document: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["config"] = config.descriptor()
    document["layers"] = [
        {**blob.descriptor(), **({"annotations": notes} if notes else {})} for blob, notes in layers
    ]
    if subject is not None:
        document["subject"] = subject.descriptor()
    blobs = tuple(dict.fromkeys([config, *(blob for blob, _ in layers)]))
    return Image(OCI_MANIFEST, json.dumps(document, indent=2).encode(), blobs)


def cosign_manifest(layers: Sequence[tuple[bytes, str]], *, subject: Image | None = None) -> Image:
    """A cosign signature manifest, one layer per (payload, base64 signature).

    With ``subject`` it is an OCI 1.1 referrer (``artifactType``, ``subject``, empty
    config), as ``cosign sign --registry-referrers-mode=oci-1-1`` writes it.
    """
    signed = [
        (Blob(COSIGN_PAYLOAD_MEDIA_TYPE, payload), {COSIGN_SIGNATURE_ANNOTATION: signature})
        for payload, signature in layers
    ]
    if subject is not None:
        return _manifest(
            Blob(EMPTY, b"{}"), signed, artifact_type=COSIGN_ARTIFACT_TYPE, subject=subject
        )
    config = {
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [blob.digest for blob, _ in signed]},
        "config": {},
    }
    return _manifest(Blob(OCI_CONFIG, json.dumps(config).encode()), signed)


def cosign_signature(
    key: Any,
    repository: str,
    image: Image,
    *,
    claims: str | None = None,
    tampered: bool = False,
    referrer: bool = False,
) -> Image:
    """``key``'s cosign signature of ``repository@image.digest``.

    ``claims`` signs a payload naming another digest; ``tampered`` stores a payload that
    differs from the signed one (it names ``image``, the signature is over a payload
    naming another digest: a signature lifted from another image); ``referrer`` makes
    it an OCI 1.1 referrer instead of the content of a ``.sig`` tag.
    """
    stored = simple_signing(repository, claims or image.digest)
    signed = simple_signing(repository, "sha256:" + "0" * 64) if tampered else stored
    return cosign_manifest([(stored, sign(key, signed))], subject=image if referrer else None)


def notation_signature(image: Image) -> Image:
    """A Notation signature artifact of ``image`` (its JWS envelope is not checked)."""
    envelope = Blob("application/jose+json", json.dumps({"payload": image.digest}).encode())
    return _manifest(
        Blob(EMPTY, b"{}"), [(envelope, {})], artifact_type=NOTATION_ARTIFACT_TYPE, subject=image
    )


def artifact_type(artifact: Image) -> str:
    return str(json.loads(artifact.manifest)["artifactType"])


def referrers_index(artifacts: Sequence[Image]) -> Image:
    """The index the referrers API answers (and the ``sha256-<hex>`` tag holds)."""
    entries = [{**a.descriptor(), "artifactType": artifact_type(a)} for a in artifacts]
    document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    return Image(OCI_INDEX, json.dumps(document, indent=2).encode(), children=tuple(artifacts))


def sig_tag(digest: str) -> str:
    return digest.replace(":", "-") + ".sig"


def referrers_tag(digest: str) -> str:
    return digest.replace(":", "-")


class ReferrersAPI:
    """The OCI referrers API for FakeRegistry, paged: ``fake.hooks.append(api)``.

    ``add(repo, artifact)`` lists an artifact (pushed to the fake too) under its subject.
    """

    PATH = re.compile(r"/v2/(.+)/referrers/(sha256:[0-9a-f]{64})")

    def __init__(self, fake: Any, page_size: int = 100) -> None:
        self.fake = fake
        self.page_size = page_size
        self.listed: dict[tuple[str, str], list[Image]] = {}

    def add(self, repo: str, artifact: Image) -> None:
        subject = json.loads(artifact.manifest)["subject"]["digest"]
        self.fake.push(repo, None, artifact)
        self.listed.setdefault((repo, subject), []).append(artifact)

    def __call__(self, request: httpx.Request) -> httpx.Response | None:
        match = self.PATH.fullmatch(request.url.path)
        if match is None:
            return None
        artifacts = self.listed.get((match[1], match[2]), [])
        start = int(request.url.params.get("last", "0"))
        page = artifacts[start : start + self.page_size]
        headers = {"Content-Type": OCI_INDEX}
        if start + self.page_size < len(artifacts):
            query = urllib.parse.urlencode({"last": start + self.page_size})
            headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
        index = json.loads(referrers_index(page).manifest)
        return httpx.Response(200, headers=headers, json=index)
