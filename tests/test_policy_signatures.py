"""Finding and checking signatures (linter/registry/facts/signatures.py) against an in-process fake.

distribution 2.8 has no referrers API, so the real-registry tests (test_policy_real.py)
cover the tag fallbacks; the referrers API itself, its paging, and the answers a real
registry will not give are exercised here, each with the exact requests it costs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
from cosign_helper import (
    ReferrersAPI,
    cosign_manifest,
    cosign_signature,
    notation_signature,
    referrers_index,
    referrers_tag,
    sig_tag,
    sign,
    signing_key,
    simple_signing,
)
from registry_server import OCI_MANIFEST, FakeRegistry, Image, build_image, offline_client_factory

from linter.model import ErrorKind, SignatureState, SignatureStatus
from linter.reference import parse
from linter.registry import RegistryError, RegistryOptions, RunStats
from linter.registry.facts.signatures import MAX_PAYLOAD, cosign_tag
from linter.registry.facts.signatures import referrers_tag as production_referrers_tag
from linter.registry.resolution.answers import Answers
from linter.signatures import NamedKey

HOST = "registry.example"
REPO = "app/signed"
NAME = f"{HOST}/{REPO}"
IMAGE = build_image("signed")
KEY = signing_key("test key")
OTHER = signing_key("someone else")
KEYS = (NamedKey("cosign.pub", KEY.public_key()),)
GOOD = cosign_signature(KEY, NAME, IMAGE)
GOOD_REFERRER = cosign_signature(KEY, NAME, IMAGE, referrer=True)
NOTATION = notation_signature(IMAGE)

Setup = Callable[[FakeRegistry], None]


def no_referrers_api(fake: FakeRegistry) -> None:
    fake.hooks.append(
        lambda r: (
            httpx.Response(404, text="404 page not found") if "/referrers/" in r.url.path else None
        )
    )


def referrers(*artifacts: Image, page_size: int = 100) -> Setup:
    def setup(fake: FakeRegistry) -> None:
        api = ReferrersAPI(fake, page_size)
        for artifact in artifacts:
            api.add(REPO, artifact)
        fake.hooks.append(api)

    return setup


def tagged(tag: str, image: Image) -> Setup:
    def setup(fake: FakeRegistry) -> None:
        fake.push(REPO, tag, image)

    return setup


def both(*setups: Setup) -> Setup:
    def setup(fake: FakeRegistry) -> None:
        for one in setups:
            one(fake)

    return setup


def lookup(
    setup: Setup, keys: tuple[NamedKey, ...] = KEYS, *, complete: bool = False
) -> tuple[SignatureStatus, list[str]]:
    fake = FakeRegistry(HOST, auth=None)
    fake.push(REPO, "1.0", IMAGE)
    setup(fake)

    async def run() -> SignatureStatus:
        options = RegistryOptions(signature_keys=keys)
        resolver = Answers(options, RunStats(), offline_client_factory(fake))
        try:
            return await resolver.signatures(parse(NAME), IMAGE.digest, complete=complete)
        finally:
            await resolver.aclose()

    status = asyncio.run(run())
    return status, [short(path) for path in fake.paths()]


def short(path: str) -> str:
    """``GET referrers/<image>``, ``GET blobs/<payload>`` …: the requests by role."""
    names = {
        IMAGE.digest: "<image>",
        sig_tag(IMAGE.digest): "<sig tag>",
        referrers_tag(IMAGE.digest): "<referrers tag>",
        GOOD.digest: "<good>",
        GOOD_REFERRER.digest: "<good-referrer>",
        # the same payload bytes, whichever manifest carries them
        GOOD.blobs[-1].digest: "<payload>",
    }
    text = path.replace(f"{HOST}/v2/{REPO}/", "")
    for value, label in sorted(names.items(), key=lambda item: -len(item[0])):
        text = text.replace(value, label)
    return text


REFERRERS = "GET referrers/<image>"
SIG_TAG = "GET manifests/<sig tag>"
FALLBACK_TAG = "GET manifests/<referrers tag>"


@pytest.mark.parametrize(
    ("setup", "keys", "state", "reason", "requests"),
    [
        # the referrers API
        (
            referrers(GOOD_REFERRER),
            KEYS,
            SignatureState.VERIFIED,
            "verified with cosign.pub (cosign, referrers API)",
            [REFERRERS, "GET manifests/<good-referrer>", "GET blobs/<payload>"],
        ),
        (
            referrers(GOOD_REFERRER),
            (),
            SignatureState.FOUND,
            "1 signature found, not verified (no signature-keys configured)",
            [REFERRERS],
        ),
        (
            referrers(NOTATION),
            (),
            SignatureState.FOUND,
            "1 signature found, not verified (no signature-keys configured)",
            [REFERRERS],
        ),
        (
            referrers(NOTATION),
            KEYS,
            SignatureState.UNVERIFIED,
            "only Notation signatures, which signature-keys (cosign public keys) cannot verify",
            [REFERRERS, SIG_TAG],
        ),
        (
            referrers(NOTATION, NOTATION, GOOD_REFERRER, page_size=1),
            KEYS,
            SignatureState.VERIFIED,
            "verified with cosign.pub (cosign, referrers API)",
            [
                REFERRERS,
                "GET referrers/<image>?last=1",
                "GET referrers/<image>?last=2",
                "GET manifests/<good-referrer>",
                "GET blobs/<payload>",
            ],
        ),
        # cosign's tag, where the referrers API lists nothing
        (
            both(referrers(), tagged(sig_tag(IMAGE.digest), GOOD)),
            KEYS,
            SignatureState.VERIFIED,
            f"verified with cosign.pub (cosign, tag {sig_tag(IMAGE.digest)})",
            [REFERRERS, SIG_TAG, "GET blobs/<payload>"],
        ),
        (
            referrers(),
            KEYS,
            SignatureState.MISSING,
            "no cosign or Notation signature found",
            [REFERRERS, SIG_TAG],
        ),
        # no referrers API: the referrers tag schema's fallback tag, then cosign's
        (
            both(
                no_referrers_api,
                tagged(referrers_tag(IMAGE.digest), referrers_index([GOOD_REFERRER])),
            ),
            KEYS,
            SignatureState.VERIFIED,
            f"verified with cosign.pub (cosign, tag {referrers_tag(IMAGE.digest)})",
            [
                REFERRERS,
                FALLBACK_TAG,
                "GET manifests/<good-referrer>",
                "GET blobs/<payload>",
            ],
        ),
        (
            no_referrers_api,
            KEYS,
            SignatureState.MISSING,
            "no cosign or Notation signature found",
            [REFERRERS, FALLBACK_TAG, SIG_TAG],
        ),
        (
            both(no_referrers_api, tagged(sig_tag(IMAGE.digest), GOOD)),
            (),
            SignatureState.FOUND,
            "1 signature found, not verified (no signature-keys configured)",
            [REFERRERS, FALLBACK_TAG, SIG_TAG],
        ),
        # a registry that answers an unknown route with 200 and HTML is treated as having none
        (
            lambda fake: fake.hooks.append(
                lambda r: (
                    httpx.Response(200, text="<html>") if "/referrers/" in r.url.path else None
                )
            ),
            KEYS,
            SignatureState.MISSING,
            "no cosign or Notation signature found",
            [REFERRERS, FALLBACK_TAG, SIG_TAG],
        ),
    ],
)
def test_where_signatures_are_found(
    setup: Setup,
    keys: tuple[NamedKey, ...],
    state: SignatureState,
    reason: str,
    requests: list[str],
) -> None:
    status, sent = lookup(setup, keys)
    assert (status.state, status.reason) == (state, reason)
    assert sent == requests


PAYLOAD = simple_signing(NAME, IMAGE.digest)
ELSEWHERE = "sha256:" + "0" * 64


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (
            cosign_signature(OTHER, NAME, IMAGE),
            "the signature does not verify with any configured key (cosign.pub)",
        ),
        (
            cosign_signature(KEY, NAME, IMAGE, tampered=True),
            "the signature does not verify with any configured key (cosign.pub)",
        ),
        (
            cosign_signature(KEY, NAME, IMAGE, claims=ELSEWHERE),
            f"the signature is for {ELSEWHERE}, not {IMAGE.digest}",
        ),
        (
            cosign_signature(KEY, f"{HOST}/evil/app", IMAGE),
            f"the signature names '{HOST}/evil/app', not '{NAME}'",
        ),
        (cosign_manifest([(PAYLOAD, "***")]), "the signature annotation is not base64"),
        # a good signature in the second layer is found behind a bad one
        (cosign_manifest([(PAYLOAD, sign(OTHER, PAYLOAD)), (PAYLOAD, sign(KEY, PAYLOAD))]), None),
    ],
)
def test_cosign_verdicts(signature: Image, reason: str | None) -> None:
    status, _ = lookup(both(no_referrers_api, tagged(sig_tag(IMAGE.digest), signature)))
    if reason is None:
        assert status.state is SignatureState.VERIFIED
        assert [s.verified for s in status.signatures] == [False, True]
    else:
        assert (status.state, status.reason) == (SignatureState.UNVERIFIED, reason)


def test_a_valid_signature_with_wrong_claims_is_the_reason_given() -> None:
    """Of several failures, the one whose cryptography verified says the most."""
    claims = cosign_signature(KEY, NAME, IMAGE, claims=ELSEWHERE, referrer=True)
    status, _ = lookup(
        both(
            referrers(notation_signature(IMAGE), claims),
            tagged(sig_tag(IMAGE.digest), cosign_signature(OTHER, NAME, IMAGE)),
        )
    )
    assert status.state is SignatureState.UNVERIFIED
    assert status.reason == f"the signature is for {ELSEWHERE}, not {IMAGE.digest}"
    assert [(s.kind, s.verified, s.key) for s in status.signatures] == [
        ("notation", False, None),
        ("cosign", False, "cosign.pub"),
        ("cosign", False, None),
    ]


def oversized(fake: FakeRegistry) -> None:
    """The ``.sig`` manifest claims a payload too big to fetch."""
    document = json.loads(GOOD.manifest)
    document["layers"][0]["size"] = MAX_PAYLOAD + 1
    fake.push(
        REPO, sig_tag(IMAGE.digest), Image(OCI_MANIFEST, json.dumps(document).encode(), GOOD.blobs)
    )


def damaged(change: Callable[[FakeRegistry], None]) -> Setup:
    def setup(fake: FakeRegistry) -> None:
        no_referrers_api(fake)
        fake.push(REPO, sig_tag(IMAGE.digest), GOOD)
        change(fake)

    return setup


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (
            damaged(lambda fake: fake.blobs.pop(GOOD.blobs[-1].digest)),
            f"the payload blob {GOOD.blobs[-1].digest} is missing",
        ),
        (
            damaged(lambda fake: fake.blobs.update({GOOD.blobs[-1].digest: PAYLOAD + b" "})),
            "the payload blob does not match its digest",
        ),
        (
            damaged(oversized),
            f"the payload is larger than {MAX_PAYLOAD} bytes",
        ),
    ],
)
def test_damaged_signatures(setup: Setup, reason: str) -> None:
    status, _ = lookup(setup)
    assert (status.state, status.reason) == (SignatureState.UNVERIFIED, reason)


def test_a_referrer_manifest_must_match_its_digest() -> None:
    def setup(fake: FakeRegistry) -> None:
        referrers(GOOD_REFERRER)(fake)
        media_type, body = fake.manifests[(REPO, GOOD_REFERRER.digest)]
        fake.manifests[(REPO, GOOD_REFERRER.digest)] = (media_type, body + b"\n")

    status, sent = lookup(setup)
    assert status.state is SignatureState.UNVERIFIED
    assert status.reason == "the signature manifest is missing or does not match its digest"
    assert sent == [REFERRERS, "GET manifests/<good-referrer>", SIG_TAG]


def test_complete_lookup_finds_every_signature() -> None:
    setup = both(referrers(GOOD_REFERRER, NOTATION), tagged(sig_tag(IMAGE.digest), GOOD))
    status, sent = lookup(setup, complete=True)
    assert status.state is SignatureState.VERIFIED
    assert status.key == "cosign.pub"
    assert [(s.kind, s.source, s.verified) for s in status.signatures] == [
        ("cosign", "referrers API", True),
        ("notation", "referrers API", False),
        ("cosign", f"tag {sig_tag(IMAGE.digest)}", True),
    ]
    assert sent == [
        REFERRERS,
        "GET manifests/<good-referrer>",
        "GET blobs/<payload>",
        SIG_TAG,
        "GET blobs/<payload>",
    ]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            httpx.Response(403, json={"errors": [{"code": "DENIED", "message": "no"}]}),
            ErrorKind.AUTH,
        ),
        (httpx.Response(503), ErrorKind.UNREACHABLE),
        (httpx.Response(418), ErrorKind.INVALID),
    ],
)
def test_registry_failures_are_errors_not_verdicts(answer: httpx.Response, kind: ErrorKind) -> None:
    with pytest.raises(RegistryError) as caught:
        lookup(
            lambda fake: fake.hooks.append(
                lambda r: answer if "/referrers/" in r.url.path else None
            )
        )
    assert caught.value.kind is kind


@pytest.mark.parametrize(
    ("digest", "fallback", "cosign"),
    [
        ("sha256:" + "ab" * 32, "sha256-" + "ab" * 32, "sha256-" + "ab" * 32 + ".sig"),
        ("sha512:" + "cd" * 64, "sha512-" + "cd" * 32, "sha512-" + "cd" * 64 + ".sig"),
    ],
)
def test_tag_names(digest: str, fallback: str, cosign: str) -> None:
    assert production_referrers_tag(digest) == fallback
    assert cosign_tag(digest) == cosign
