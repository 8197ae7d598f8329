"""Platforms: parsing ``os/arch[/variant]`` and choosing an index entry (containers/image rules)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from linter.model import PlatformEntry
from linter.records import Record

#: 32-bit ARM runs code built for older variants; an entry without a variant fits too.
_ARM_FALLBACK = ("v8", "v7", "v6", "v5")
_MACHINE_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class Platform(Record):
    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``linux/arm64``, ``linux/arm/v7``; ValueError for anything else."""
        parts = text.strip().lower().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"invalid platform {text!r}: expected OS/ARCH[/VARIANT]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text


def host_platform() -> Platform:
    """The platform of this machine, the way image indexes spell it (linux/amd64, …)."""
    # What platform.machine() says, without that module (~9 M instructions to import).
    machine = os.uname().machine.lower()
    return Platform("linux", _MACHINE_ARCH.get(machine, machine))


def is_attestation(entry: PlatformEntry) -> bool:
    """buildx attestation manifests are listed as ``unknown/unknown``."""
    return entry.os == "unknown" or entry.architecture == "unknown"


def _normal_variant(architecture: str, variant: str | None) -> str | None:
    # arm64 without a variant is v8.
    if architecture == "arm64" and variant == "v8":
        return None
    return variant or None


def _preferences(wanted: Platform) -> tuple[str | None, ...]:
    """Variants to accept, best first."""
    variant = _normal_variant(wanted.architecture, wanted.variant)
    if wanted.architecture == "arm":
        if variant in _ARM_FALLBACK:
            return (*_ARM_FALLBACK[_ARM_FALLBACK.index(variant) :], None)
        return (variant, *_ARM_FALLBACK[1:]) if variant is None else (variant, None)
    return (variant,) if variant is None else (variant, None)


def select(entries: Sequence[PlatformEntry], wanted: Platform) -> PlatformEntry | None:
    """The first entry matching ``wanted``, trying variant fallbacks in order (image-spec)."""
    candidates = [
        e
        for e in entries
        if not is_attestation(e) and e.os == wanted.os and e.architecture == wanted.architecture
    ]
    for variant in _preferences(wanted):
        for entry in candidates:
            if _normal_variant(entry.architecture, entry.variant) == variant:
                return entry
    return None
