from __future__ import annotations

from pathlib import Path

import pytest
from cosign_helper import sign, simple_signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from linter.signatures import NamedKey, SignatureKeyError, load_keys, verify

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
REPO = "localhost:5000/acme/app"


def payload(digest: str = DIGEST, reference: str = REPO) -> bytes:
    return simple_signing(reference, digest)


EC = ec.generate_private_key(ec.SECP256R1())
EC_OTHER = ec.generate_private_key(ec.SECP256R1())
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED = ed25519.Ed25519PrivateKey.generate()


KEYS = [
    NamedKey("other.pub", EC_OTHER.public_key()),
    NamedKey("ec.pub", EC.public_key()),
    NamedKey("rsa.pub", RSA.public_key()),
    NamedKey("ed.pub", ED.public_key()),
]


@pytest.mark.parametrize(
    ("signer", "data", "signature_of", "verified", "key", "reason"),
    [
        (EC, payload(), None, True, "ec.pub", "verified with ec.pub"),
        (RSA, payload(), None, True, "rsa.pub", "verified with rsa.pub"),
        (ED, payload(), None, True, "ed.pub", "verified with ed.pub"),
        (EC, payload(reference="localhost:5000/acme/app"), None, True, "ec.pub", "verified"),
        # tampered payload: the signature is over other bytes
        (EC, payload(), payload(OTHER), False, None, "does not verify"),
        # signed by a key we do not trust
        (ec.generate_private_key(ec.SECP256R1()), payload(), None, False, None, "does not verify"),
        # valid signature, but for another digest or repository
        (EC, payload(OTHER), None, False, "ec.pub", "is for sha256:cdcd"),
        (EC, payload(reference="localhost:5000/evil/app"), None, False, "ec.pub", "names"),
        (EC, b"not json", None, False, "ec.pub", "not a cosign simple-signing"),
    ],
)
def test_verify(
    signer: object,
    data: bytes,
    signature_of: bytes | None,
    verified: bool,
    key: str | None,
    reason: str,
) -> None:
    signature = sign(signer, signature_of if signature_of is not None else data)
    verdict = verify(data, signature, KEYS, digest=DIGEST, repository=REPO)
    assert (verdict.verified, verdict.key) == (verified, key)
    assert reason in verdict.reason


def test_docker_hub_names_match() -> None:
    data = payload(reference="index.docker.io/library/nginx")
    verdict = verify(data, sign(EC, data), KEYS, digest=DIGEST, repository="nginx")
    assert verdict.verified


def test_bad_base64() -> None:
    assert "not base64" in verify(payload(), "***", KEYS, digest=DIGEST, repository=REPO).reason


def test_load_keys(tmp_path: Path) -> None:
    pem = EC.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "cosign.pub").write_bytes(pem)
    (tmp_path / "bad.pub").write_text("nope")
    assert [k.name for k in load_keys(["cosign.pub"], tmp_path)] == ["cosign.pub"]
    with pytest.raises(SignatureKeyError, match=r"bad\.pub: not a PEM public key"):
        load_keys(["bad.pub"], tmp_path)
    with pytest.raises(SignatureKeyError, match=r"missing\.pub: cannot read"):
        load_keys(["missing.pub"], tmp_path)
