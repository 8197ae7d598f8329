"""The trust-policy rules on made-up resolutions: IMG008, IMG010, IMG012."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linter.config import Config
from linter.model import (
    ErrorKind,
    Occurrence,
    PlatformEntry,
    Resolution,
    ResolveError,
    Signature,
    SignatureState,
    SignatureStatus,
)
from linter.reference import parse
from linter.rules import Subject, image_too_old, missing_platform, unsigned_image

IMAGE = "registry.example/app:1.0"
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
NOW = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)
AMD64 = PlatformEntry("linux", "amd64", None, D2)
ARM64 = PlatformEntry("linux", "arm64", "v8", D2)
ARMV7 = PlatformEntry("linux", "arm", "v7", D2)
S390X = PlatformEntry("linux", "s390x", None, D1)
ATTESTATION = PlatformEntry("unknown", "unknown", None, D2)
FAILED = ResolveError(ErrorKind.UNREACHABLE, "timed out", "registry.example")
POLICY = Config(
    required_platforms=("linux/amd64", "linux/arm64"),
    require_signature=True,
    max_age_days=30,
)


def subject(resolution: Resolution | None, config: Config = POLICY) -> Subject:
    occurrence = Occurrence("a.yaml", 1, 8, 1, 8 + len(IMAGE), 7, 7 + len(IMAGE), IMAGE, IMAGE, "")
    return Subject(occurrence, parse(IMAGE), None, resolution, config, NOW)


def resolved(**fields: object) -> Resolution:
    return Resolution(parse(IMAGE), digest=D1, **fields)  # type: ignore[arg-type]


def messages(module: object, subj: Subject) -> list[str]:
    return [hit.message for hit in module.RULE.check(subj)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        (resolved(platforms=(AMD64, ARM64, ATTESTATION)), []),
        (
            resolved(platforms=(AMD64, ATTESTATION)),
            [f"{IMAGE} lacks platform(s) linux/arm64 (has linux/amd64)"],
        ),
        (
            resolved(platforms=(ARMV7,)),
            [f"{IMAGE} lacks platform(s) linux/amd64, linux/arm64 (has linux/arm/v7)"],
        ),
        # a single-platform image: its own platform counts, whether it matches one or none
        (
            resolved(platform=AMD64),
            [f"{IMAGE} lacks platform(s) linux/arm64 (a single-platform linux/amd64 image)"],
        ),
        (
            resolved(platform=S390X),
            [
                f"{IMAGE} lacks platform(s) linux/amd64, linux/arm64 "
                "(a single-platform linux/s390x image)"
            ],
        ),
        # a pin to one child of an index: the child's platform, not the index's list
        (
            resolved(platforms=(AMD64, ARM64), platform=ARM64),
            [f"{IMAGE} lacks platform(s) linux/amd64 (a single-platform linux/arm64/v8 image)"],
        ),
        # nothing known, or nothing to check
        (resolved(), []),
        (resolved(platforms=(ATTESTATION,)), []),
        (Resolution(parse(IMAGE), error=FAILED), []),
        (None, []),
    ],
)
def test_missing_platform(resolution: Resolution | None, expected: list[str]) -> None:
    assert messages(missing_platform, subject(resolution)) == expected
    assert messages(missing_platform, subject(resolution, Config())) == []


def status(state: SignatureState, reason: str = "", *found: Signature) -> SignatureStatus:
    return SignatureStatus(D1, state, found, reason)


COSIGN_OK = Signature("cosign", "tag sha256-1.sig", D2, True, "cosign.pub", "verified")


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        (status(SignatureState.VERIFIED, "verified with cosign.pub", COSIGN_OK), []),
        (status(SignatureState.FOUND, "1 signature found"), []),
        (status(SignatureState.MISSING), [f"no cosign or Notation signature found for {D1}"]),
        (
            status(SignatureState.UNVERIFIED, "the signature does not verify with any key"),
            [f"the signature of {D1} does not verify: the signature does not verify with any key"],
        ),
        (None, []),
    ],
)
def test_unsigned_image(signature: SignatureStatus | None, expected: list[str]) -> None:
    assert messages(unsigned_image, subject(resolved(signature=signature))) == expected
    assert messages(unsigned_image, subject(resolved(signature=signature), Config())) == []


def test_unsigned_image_skips_failed_resolutions() -> None:
    failed = Resolution(parse(IMAGE), error=FAILED, signature=status(SignatureState.MISSING))
    assert messages(unsigned_image, subject(failed)) == []


@pytest.mark.parametrize(
    ("created", "limit", "expected"),
    [
        (NOW - timedelta(days=30, hours=23), 30, []),
        (
            NOW - timedelta(days=31),
            30,
            [f"{IMAGE} was built on 2024-05-01, 31 days ago (max-age-days = 30)"],
        ),
        (
            datetime(2023, 1, 1, tzinfo=timezone.utc),
            90,
            [f"{IMAGE} was built on 2023-01-01, 517 days ago (max-age-days = 90)"],
        ),
        (
            NOW - timedelta(days=1),
            0,
            [f"{IMAGE} was built on 2024-05-31, 1 day ago (max-age-days = 0)"],
        ),
        (NOW - timedelta(hours=1), 0, []),
        (NOW + timedelta(days=3), 0, []),
        (None, 1, []),
        (datetime(2023, 1, 1, tzinfo=timezone.utc), None, []),
    ],
)
def test_image_too_old(created: datetime | None, limit: int | None, expected: list[str]) -> None:
    config = Config(max_age_days=limit)
    assert messages(image_too_old, subject(resolved(created=created), config)) == expected
