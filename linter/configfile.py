"""Reading the configuration file: parsed, each key checked, rule selectors checked
against the rules; unknown keys and rules are errors naming the file and the key.

Apart from :mod:`linter.config` because checking selectors needs the rules, and
the rules read the ``Config``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from linter import safe_read
from linter.config import (
    FIELDS,
    Config,
    ConfigError,
    convert,
    display,
    find,
    has_table,
    unknown_key,
)
from linter.paths import joined, parent
from linter.selection import check_selectors

#: Keys whose strings select rules: each must name one (ConfigError naming file and key).
_RULE_LISTS = frozenset({"select", "extend_select", "ignore", "extend_ignore"})


def _check_rules(where: str, name: str, value: Any) -> None:
    """ConfigError, naming the file and the key, for a rule selector that names no rule."""
    if name not in _RULE_LISTS and name != "per_file_ignores":
        return
    lists = value.items() if name == "per_file_ignores" else [("", value)]
    for pattern, selectors in lists:
        try:
            check_selectors(selectors)
        except ConfigError as exc:
            raise ConfigError(f"{where}{'.' + pattern if pattern else ''}: {exc}") from None


def from_mapping(data: Mapping[str, Any], source: str, root: str = ".") -> Config:
    """Build a Config from a parsed table; unknown keys and rules are errors naming the key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in FIELDS:
            raise ConfigError(f"{source}: {unknown_key(key)}")
        values[FIELDS[key]] = convert(source, key, value)
        _check_rules(f"{source}: {key}", FIELDS[key], values[FIELDS[key]])
    return Config(**values, source=source, root=root, sources=dict.fromkeys(data, source))


def load_file(file: str | os.PathLike[str]) -> Config:
    # Imported here: a run without a configuration file does not pay for the parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    path = joined("", os.fspath(file))
    try:
        document = tomllib.loads(safe_read.read_text(path))
    except safe_read.ReadError as exc:
        raise ConfigError(f"{display(path)}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display(path)}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(f"{display(path)}: invalid TOML: nested too deeply") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{display(path)}: [tool] must be a table")
    table = tool.get("imagepin", {} if os.path.basename(path) == "pyproject.toml" else document)
    if not isinstance(table, dict):
        raise ConfigError(f"{display(path)}: [tool.imagepin] must be a table")
    return from_mapping(table, display(path), root=parent(path))


def load(explicit: str | None) -> Config:
    if explicit is not None:
        return load_file(explicit)
    found = find(os.getcwd())
    if found is None:
        return Config()
    config = load_file(found)
    shadowed = os.path.join(os.path.dirname(found), "pyproject.toml")
    if os.path.basename(found) == ".imagepin.toml" and has_table(shadowed):
        warning = (
            f"{display(shadowed)}: [tool.imagepin] is not read: {display(found)} in the "
            "same directory takes precedence; merge them into one"
        )
        config = config._replace(warnings=(*config.warnings, warning))
    return config
