"""Configuration: ``[tool.imagepin]`` in pyproject.toml or ``.imagepin.toml`` (README): the
values, each key's checks, and where the file is; :mod:`linter.configfile` reads it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from linter import safe_read
from linter.discovery import DEFAULT_EXCLUDE, display_path
from linter.paths import up_to_repository_root
from linter.records import Record
from linter.regexguard import nested_repetition

DEFAULT_CACHE_TTL = 600
#: ``fail-on``: the lowest level of finding that makes the exit code 1.
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


class RegexExtractor(Record):
    """One ``[[regex-extractors]]`` table: the files it reads (globs, matched like
    ``exclude``) and a pattern whose named group ``image`` is a reference."""

    files: tuple[str, ...]
    pattern: str

    @property
    def compiled(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # MULTILINE: ``^`` and ``$`` are a line's, as a pattern for one line means them.
    return re.compile(pattern, re.MULTILINE)


class Config(Record):
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    fail_on: str = "error"
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
    mirrors: Mapping[str, tuple[str, ...]] = {}
    per_file_ignores: Mapping[str, tuple[str, ...]] = {}
    #: Globs of Helm values files besides values*.yaml next to a Chart.yaml (docs/formats.md).
    helm_values: tuple[str, ...] = ()
    #: Pin Helm images whose chart has no digest field as ``tag: "x@sha256:…"``.
    helm_digest_in_tag: bool = False
    #: Globs of more files to scan, read as text for lines marked ``imagepin: image``.
    marker_files: tuple[str, ...] = ()
    #: Files and patterns whose ``image`` group is a reference (docs/formats.md).
    regex_extractors: tuple[RegexExtractor, ...] = ()
    #: The file this was read from, for messages; None for defaults.
    source: str | None = None
    #: The directory relative paths in the config (keys, exclude globs) are relative to.
    root: str = "."
    #: Key (``allowed-registries``) -> where its value comes from, when not the default:
    #: the file, or the command-line option (``--show-settings``).
    sources: Mapping[str, str] = {}
    #: Problems worth a warning that did not stop the run (a configuration left unread).
    warnings: tuple[str, ...] = ()

    @property
    def excluded(self) -> tuple[str, ...]:
        """Every glob that excludes files: ``exclude`` (or the defaults) and ``extend-exclude``."""
        return (*self.exclude, *self.extend_exclude)

    @property
    def extra_files(self) -> tuple[str, ...]:
        """Globs of the files scanned besides those whose name says a format."""
        return (*self.marker_files, *(g for r in self.regex_extractors for g in r.files))

    def with_overrides(self, **changes: Any) -> Config:
        return self._replace(**{k: v for k, v in changes.items() if v is not None})

    def override(self, key: str, value: Any, source: str) -> Config:
        """This configuration with ``key`` (``cache-ttl``) set to ``value`` by ``source``."""
        return self._replace(**{FIELDS[key]: value}, sources={**self.sources, key: source})


#: Key as written (``allowed-registries``) -> field name; the keys in the order of Config.
FIELDS = {
    name.replace("_", "-"): name
    for name in Config._fields
    if name not in ("source", "root", "sources", "warnings")
}
KEYS = tuple(FIELDS)
_STRING_LISTS = {
    "select",
    "extend_select",
    "ignore",
    "extend_ignore",
    "exclude",
    "extend_exclude",
    "ignore_images",
    "allowed_registries",
    "required_platforms",
    "signature_keys",
    "insecure_registries",
    "helm_values",
    "marker_files",
}


def kind_of(value: Any) -> str:
    """What a TOML value is, in words: ``a string``, ``an integer``, ``a table``…"""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def _string_list(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problem = f"{where}: expected a list of strings, got {kind_of(value)}"
    if isinstance(value, list):
        wrong = next(v for v in value if not isinstance(v, str))
        problem = f"{where}: expected a list of strings, got a list holding {kind_of(wrong)}"
    elif isinstance(value, str):
        # `select = "IMG001"`: what was meant is clear, and so is how to write it.
        key = where.rpartition(": ")[2]
        problem += f": write {key} = [{_toml_string(value)}]"
    raise ConfigError(problem)


def _toml_string(value: str) -> str:
    import json  # an error message's only: not on every start-up

    # JSON's string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    """``key`` as a TOML dotted key's part: bare when it can be, else quoted (``"a/*"``), so
    the ``write …`` a message suggests can be pasted."""
    bare = bool(key) and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _toml_string(key)


def convert(source: str, key: str, value: Any) -> Any:
    where = f"{source}: {key}"
    name = FIELDS[key]
    if name in _STRING_LISTS:
        return _string_list(where, value)
    if name in ("require_signature", "helm_digest_in_tag"):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {kind_of(value)}")
        return value
    if name == "fail_on":
        if value not in FAIL_ON:
            choices = ", ".join(FAIL_ON)
            got = _toml_string(value) if isinstance(value, str) else kind_of(value)
            raise ConfigError(f"{where}: expected one of {choices}, got {got}")
        return value
    if name == "platform":
        if not isinstance(value, str) or value.count("/") not in (1, 2):
            raise ConfigError(f'{where}: expected OS/ARCH[/VARIANT], e.g. "linux/amd64"')
        return value
    if name in ("max_age_days", "concurrency", "cache_ttl"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            got = str(value) if isinstance(value, int) else kind_of(value)
            raise ConfigError(f"{where}: expected a non-negative integer, got {got}")
        if name == "concurrency" and value == 0:
            raise ConfigError(f"{where}: must be at least 1")
        return value
    if name == "regex_extractors":
        return _regex_extractors(where, value)
    # mirrors and per-file-ignores: tables of arrays of strings
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {kind_of(value)}")
    return {str(k): _string_list(f"{where}.{_toml_key(str(k))}", v) for k, v in value.items()}


def _regex_extractors(where: str, value: Any) -> tuple[RegexExtractor, ...]:
    """``[[regex-extractors]]`` tables, each checked: its globs, and a pattern that compiles
    and has a group named ``image``."""
    if not isinstance(value, list) or not all(isinstance(table, dict) for table in value):
        raise ConfigError(
            f"{where}: expected a list of tables with files and pattern "
            f"([[regex-extractors]]), got {kind_of(value)}"
        )
    found = []
    for index, table in enumerate(value):
        here = f"{where}[{index}]"
        for key in table:
            if key not in ("files", "pattern"):
                raise ConfigError(f"{here}: unknown key {key!r}: expected files and pattern")
        for key in ("files", "pattern"):
            if key not in table:
                raise ConfigError(f"{here}: {key} is missing")
        files = _string_list(f"{here}.files", table["files"])
        if not files:
            raise ConfigError(f"{here}.files: expected at least one glob")
        pattern = table["pattern"]
        if not isinstance(pattern, str):
            raise ConfigError(f"{here}.pattern: expected a string, got {kind_of(pattern)}")
        try:
            compiled = _compiled(pattern)
        except re.error as exc:
            raise ConfigError(f"{here}.pattern: not a regular expression: {exc}") from None
        if "image" not in compiled.groupindex:
            raise ConfigError(f"{here}.pattern: no group named image: write (?P<image>...)")
        nested = nested_repetition(pattern)
        if nested is not None:
            raise ConfigError(
                f"{here}.pattern: {nested!r} repeats a group of repetitions only, which can "
                "take exponential time on a line that almost matches: repeat the inner "
                "part once (a+ for (a+)+) or give the group a character it must match"
            )
        found.append(RegexExtractor(files, pattern))
    return tuple(found)


def unknown_key(key: str) -> str:
    """The message for a key imagepin does not know, with the key meant when it is clear."""
    spelled = key.replace("_", "-").lower()
    import difflib  # an error message's hint only: not on every start-up

    close = [spelled] if spelled in FIELDS else difflib.get_close_matches(spelled, KEYS, n=1)
    hint = f": did you mean `{close[0]}`?" if close else " (see the README's Configuration)"
    return f"unknown configuration key {key!r}{hint}"


def find(start: str | os.PathLike[str]) -> str | None:
    """The nearest .imagepin.toml, or pyproject.toml with [tool.imagepin], up to the repo root.

    A configuration file that is there but cannot be read (a FIFO, a link to a device) is
    found, and its reading says why: a configuration never goes silently unread.

    In one directory ``.imagepin.toml`` wins (as ruff's ``ruff.toml`` over
    ``pyproject.toml``): a file named for the tool is the more deliberate choice.
    """
    for directory in up_to_repository_root(os.path.realpath(start)):
        candidate = os.path.join(directory, ".imagepin.toml")
        if os.path.lexists(candidate):
            return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if has_table(pyproject):
            return pyproject
    return None


def has_table(pyproject: str) -> bool:
    """Whether ``pyproject`` has a ``[tool.imagepin]`` table."""
    if not os.path.lexists(pyproject):
        return False
    try:
        return b"[tool.imagepin" in safe_read.read_bytes(pyproject)
    except safe_read.ReadError as exc:
        raise ConfigError(f"{display(pyproject)}: cannot read: {exc}") from None


def display(path: str) -> str:
    """``path`` relative to the working directory when it is below it, as discovery shows
    the files it finds."""
    return display_path(path, os.getcwd())
