"""A cosign signature imagepin's tests did not make: checked in, made by concil.

Every other signature the suite verifies comes from tests/cosign_helper.py, written
for this project: a misreading of cosign's layout shared by the helper and the product
would pass there. This one was made by concil 1.0.0 (PyPI, MIT), a container manager
with its own cosign implementation (``concil.cosign.Cosign.publish``), on a throw-away
registry; its key was made by ``openssl`` and thrown away. cosign itself installs from
neither Debian 12 nor PyPI, and sigstore-python signs keyless only (docs/testing.md).
tests/fixtures/signatures/concil/README.md says how it was made.

What differs from the helper's signatures, and so is proved here: the payload is
``json.dumps`` with spaces (cosign writes it compact), so only the exact bytes verify;
``docker-reference`` is the repository without its registry (``acme/app``, which is
Docker Hub's ``docker.io/acme/app``); the signature manifest has no ``mediaType`` and
a config of concil's own.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from conftest import RegistryEnv
from registry_server import Blob, Image, Registry

from linter.cli import main
from linter.signatures import load_keys, verify

FIXTURE = Path(__file__).parent / "fixtures" / "signatures" / "concil"
#: The image concil signed, as its payload names it (tests/fixtures/.../image/manifest.json).
DIGEST = "sha256:262b7ea6ed19443bcf4086452439a322abf3805081eee6451e5eda14188de86f"
PAYLOAD_DIGEST = "sha256:0fe621138944cb1b743237ae64f5e6f571e671179ec731de499253b3579fe4ee"
#: Where the tests put it: behind a mirror of Docker Hub, so that ``acme/app`` is it.
NAMESPACE = "concil-mirror"


def stored(directory: Path) -> Image:
    """An image as ``skopeo copy … dir:`` stored it: the manifest, each blob by its hex."""
    manifest = (directory / "manifest.json").read_bytes()
    document = json.loads(manifest)
    blobs = tuple(
        Blob(d["mediaType"], (directory / d["digest"].removeprefix("sha256:")).read_bytes())
        for d in (document["config"], *document["layers"])
    )
    return Image("application/vnd.oci.image.manifest.v1+json", manifest, blobs)


IMAGE = stored(FIXTURE / "image")
SIGNATURE = stored(FIXTURE / "signature")
(LAYER,) = json.loads(SIGNATURE.manifest)["layers"]
PAYLOAD = (FIXTURE / "signature" / PAYLOAD_DIGEST.removeprefix("sha256:")).read_bytes()
ANNOTATION = LAYER["annotations"]["dev.cosignproject.cosign/signature"]


def test_the_fixture_is_what_concil_wrote() -> None:
    assert IMAGE.digest == DIGEST
    assert LAYER["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
    assert LAYER["digest"] == PAYLOAD_DIGEST
    assert (
        b'{"critical": {"identity": {"docker-reference": "acme/app"}, "image": '
        b'{"docker-manifest-digest": "' + DIGEST.encode() + b'"}, "type": '
        b'"cosign container image signature"}, "optional": null}'
    ) == PAYLOAD


KEYS = load_keys(["concil.pub"], FIXTURE)


@pytest.mark.parametrize(
    "repository", ["acme/app", "docker.io/acme/app", "index.docker.io/acme/app"]
)
def test_concils_signature_verifies(repository: str) -> None:
    verdict = verify(PAYLOAD, ANNOTATION, KEYS, digest=DIGEST, repository=repository)
    assert (verdict.verified, verdict.key, verdict.reason) == (
        True,
        "concil.pub",
        "verified with concil.pub",
    )


def compact(payload: bytes) -> bytes:
    return json.dumps(json.loads(payload), separators=(",", ":")).encode()


def flipped(annotation: str) -> str:
    raw = bytearray(base64.b64decode(annotation))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    ("payload", "annotation", "digest", "repository", "reason"),
    [
        # The same document written as cosign writes it: other bytes, so no signature.
        (
            compact(PAYLOAD),
            ANNOTATION,
            DIGEST,
            "acme/app",
            "the signature does not verify with any configured key (concil.pub)",
        ),
        (
            PAYLOAD,
            flipped(ANNOTATION),
            DIGEST,
            "acme/app",
            "the signature does not verify with any configured key (concil.pub)",
        ),
        (
            PAYLOAD,
            ANNOTATION,
            "sha256:" + "0" * 64,
            "acme/app",
            f"the signature is for {DIGEST}, not sha256:{'0' * 64}",
        ),
        (
            PAYLOAD,
            ANNOTATION,
            DIGEST,
            "ghcr.io/acme/app",
            "the signature names 'acme/app', not 'ghcr.io/acme/app'",
        ),
    ],
)
def test_what_concils_signature_does_not_vouch_for(
    payload: bytes, annotation: str, digest: str, repository: str, reason: str
) -> None:
    verdict = verify(payload, annotation, KEYS, digest=digest, repository=repository)
    assert (verdict.verified, verdict.reason) == (False, reason)


@pytest.fixture
def mirrored(plain_registry: Registry) -> Registry:
    """The image and concil's ``sha256-<hex>.sig`` tag in the real registry."""
    repository = f"{NAMESPACE}/acme/app"
    plain_registry.push(repository, "1.0", IMAGE)
    plain_registry.push(repository, f"sha256-{DIGEST.removeprefix('sha256:')}.sig", SIGNATURE)
    return plain_registry


@pytest.mark.parametrize(
    ("key", "findings"),
    [
        ("concil.pub", []),
        (
            "someone-else.pub",
            [
                f"IMG010 the signature of {DIGEST} does not verify: the signature does "
                "not verify with any configured key (someone-else.pub)"
            ],
        ),
    ],
)
def test_check_verifies_concils_signature_in_a_real_registry(
    mirrored: Registry,
    registry_env: RegistryEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str,
    findings: list[str],
) -> None:
    """``imagepin check`` with the policy on: the signature found in the registry (cosign's
    tag), its payload read and verified with the key, through a mirror of Docker Hub."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "concil.pub").write_bytes((FIXTURE / "concil.pub").read_bytes())
    other = Path(__file__).parents[1] / "examples" / "policy" / "cosign.pub"
    (tmp_path / "someone-else.pub").write_bytes(other.read_bytes())
    (tmp_path / ".imagepin.toml").write_text(
        "require-signature = true\n"
        f'signature-keys = ["{key}"]\n'
        f'[mirrors]\n"docker.io" = ["{mirrored.host}/{NAMESPACE}"]\n'
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
        f"  - name: app\n    image: acme/app:1.0@{DIGEST}\n"
    )
    code = main(["check", "--format", "json", "pod.yaml"])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    got = [f"{f['rule']} {f['message']}" for f in document["findings"]]
    assert (code, got) == (1 if findings else 0, findings)
