"""Configuration: ``[tool.imagepin]`` in pyproject.toml or ``.imagepin.toml`` (PRODUCT.md §7)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from linter import safe_read
from linter.discovery import DEFAULT_EXCLUDE

DEFAULT_CACHE_TTL = 600


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: Replaces DEFAULT_EXCLUDE; ``extend_exclude`` adds to it (as ruff's keys).
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    ignore_images: tuple[str, ...] = ()
    allowed_registries: tuple[str, ...] = ()
    required_platforms: tuple[str, ...] = ()
    require_signature: bool = False
    platform: str | None = None
    signature_keys: tuple[str, ...] = ()
    max_age_days: int | None = None
    concurrency: int = 32
    cache_ttl: int = DEFAULT_CACHE_TTL
    insecure_registries: tuple[str, ...] = ()
    mirrors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Globs of Helm values files besides values*.yaml next to a Chart.yaml (docs/formats.md).
    helm_values: tuple[str, ...] = ()
    #: Pin Helm images whose chart has no digest field as ``tag: "x@sha256:…"``.
    helm_digest_in_tag: bool = False
    #: The file this was read from, for messages; None for defaults.
    source: str | None = None
    #: The directory relative paths in the config (keys, exclude globs) are relative to.
    root: str = "."

    @property
    def excluded(self) -> tuple[str, ...]:
        """Every glob that excludes files: ``exclude`` (or the defaults) and ``extend-exclude``."""
        return (*self.exclude, *self.extend_exclude)

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_KEYS = {
    f.name.replace("_", "-"): f.name for f in fields(Config) if f.name not in ("source", "root")
}
_STRING_LISTS = {
    "select",
    "ignore",
    "exclude",
    "extend_exclude",
    "ignore_images",
    "allowed_registries",
    "required_platforms",
    "signature_keys",
    "insecure_registries",
    "helm_values",
}


def _string_list(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _convert(source: str, key: str, value: Any) -> Any:
    where = f"{source}: {key}"
    name = _KEYS[key]
    if name in _STRING_LISTS:
        return _string_list(where, value)
    if name in ("require_signature", "helm_digest_in_tag"):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false")
        return value
    if name == "platform":
        if not isinstance(value, str) or value.count("/") not in (1, 2):
            raise ConfigError(f"{where}: expected OS/ARCH[/VARIANT]")
        return value
    if name in ("max_age_days", "concurrency", "cache_ttl"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: expected a non-negative integer")
        if name == "concurrency" and value == 0:
            raise ConfigError(f"{where}: must be at least 1")
        return value
    # mirrors and per-file-ignores: tables of lists of strings
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    return {str(k): _string_list(f"{where}.{k}", v) for k, v in value.items()}


def from_mapping(data: Mapping[str, Any], source: str, root: str = ".") -> Config:
    """Build a Config from a parsed table; unknown keys are an error naming the key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KEYS:
            raise ConfigError(f"{source}: unknown configuration key {key!r}")
        values[_KEYS[key]] = _convert(source, key, value)
    return Config(**values, source=source, root=root)


def load_file(path: Path) -> Config:
    # Imported here: a run without a configuration file does not pay for the parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        document = tomllib.loads(safe_read.read_text(path))
    except safe_read.ReadError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("imagepin", {})
    else:
        table = document.get("tool", {}).get("imagepin", document)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.imagepin] must be a table")
    return from_mapping(table, str(path), root=str(path.parent))


def find(start: Path) -> Path | None:
    """The nearest .imagepin.toml, or pyproject.toml with [tool.imagepin], up to the repo root.

    A configuration file that is there but cannot be read (a FIFO, a link to a device) is
    found, and its reading says why: a configuration never goes silently unread.
    """
    directory = start.resolve()
    while True:
        candidate = directory / ".imagepin.toml"
        if os.path.lexists(candidate):
            return candidate
        pyproject = directory / "pyproject.toml"
        if os.path.lexists(pyproject) and _mentions_imagepin(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def _mentions_imagepin(pyproject: Path) -> bool:
    """Whether ``pyproject`` has a ``[tool.imagepin]`` table."""
    try:
        return b"[tool.imagepin" in safe_read.read_bytes(pyproject)
    except safe_read.ReadError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc}") from None


def load(explicit: str | None) -> Config:
    if explicit is not None:
        return load_file(Path(explicit))
    found = find(Path(os.getcwd()))
    return load_file(found) if found is not None else Config()
