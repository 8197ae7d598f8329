from __future__ import annotations

from collections.abc import Callable

import pytest

from linter.model import PlatformEntry
from linter.registry.facts.platforms import Platform, host_platform, is_attestation, select


def entry(platform: str, digest: str) -> PlatformEntry:
    os_name, architecture, *variant = platform.split("/")
    return PlatformEntry(os_name, architecture, variant[0] if variant else None, digest)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", Platform("linux", "amd64")),
        ("linux/arm/v7", Platform("linux", "arm", "v7")),
        ("Linux/ARM64", Platform("linux", "arm64")),
        (" windows/amd64 ", Platform("windows", "amd64")),
    ],
)
def test_parse(text: str, expected: Platform) -> None:
    assert Platform.parse(text) == expected


@pytest.mark.parametrize("text", ["linux", "linux/", "/amd64", "a/b/c/d", "", "linux//v7"])
def test_parse_invalid(text: str) -> None:
    with pytest.raises(ValueError, match="OS/ARCH"):
        Platform.parse(text)


@pytest.mark.parametrize("text", ["linux/amd64", "linux/arm/v7"])
def test_str_round_trips(text: str) -> None:
    assert str(Platform.parse(text)) == text


INDEX = [
    entry("unknown/unknown", "att"),
    entry("linux/amd64", "amd64"),
    entry("linux/amd64/v3", "amd64v3"),
    entry("linux/arm64/v8", "arm64"),
    entry("linux/arm/v6", "armv6"),
    entry("linux/arm/v5", "armv5"),
    entry("linux/arm/v7", "armv7"),
    entry("windows/amd64", "windows"),
]


@pytest.mark.parametrize(
    ("entries", "wanted", "expected"),
    [
        (INDEX, "linux/amd64", "amd64"),
        (INDEX, "linux/amd64/v3", "amd64v3"),
        # arm64 without a variant is v8, both ways.
        (INDEX, "linux/arm64", "arm64"),
        ([entry("linux/arm64", "plain")], "linux/arm64/v8", "plain"),
        # Exact variant first, whatever the order of the entries.
        (INDEX, "linux/arm/v7", "armv7"),
        # v7 falls back to v6, then v5, then no variant.
        ([entry("linux/arm/v5", "5"), entry("linux/arm/v6", "6")], "linux/arm/v7", "6"),
        ([entry("linux/arm/v5", "5")], "linux/arm/v7", "5"),
        ([entry("linux/arm", "none")], "linux/arm/v7", "none"),
        # …but never up.
        ([entry("linux/arm/v7", "7")], "linux/arm/v6", None),
        ([entry("linux/amd64/v3", "v3")], "linux/amd64", None),
        ([entry("linux/amd64", "any")], "linux/amd64/v2", "any"),
        (INDEX, "windows/amd64", "windows"),
        (INDEX, "linux/s390x", None),
        # Attestation manifests are never chosen.
        ([entry("unknown/unknown", "att")], "unknown/unknown", None),
        # The first matching entry wins (image-spec).
        ([entry("linux/amd64", "first"), entry("linux/amd64", "second")], "linux/amd64", "first"),
        ([], "linux/amd64", None),
    ],
)
def test_select(entries: list[PlatformEntry], wanted: str, expected: str | None) -> None:
    chosen = select(entries, Platform.parse(wanted))
    assert (chosen.digest if chosen else None) == expected


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("unknown/unknown", True), ("linux/unknown", True), ("linux/amd64", False)],
)
def test_is_attestation(platform: str, expected: bool) -> None:
    assert is_attestation(entry(platform, "d")) is expected


@pytest.mark.parametrize(
    ("machine", "expected"),
    [("x86_64", "linux/amd64"), ("aarch64", "linux/arm64"), ("riscv64", "linux/riscv64")],
)
def test_host_platform(host_machine: Callable[[str], None], machine: str, expected: str) -> None:
    host_machine(machine)
    assert str(host_platform()) == expected
