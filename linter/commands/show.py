"""``check --show-settings`` and ``check --show-files``: what a run would use, not a run.

The settings are printed as TOML, each key with the file or option its value comes
from (``# default`` when neither set it), so a line can be copied into a
configuration file. The files are those discovery finds, each with the formats
its documents were read as.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from typing import Any

from linter import discovery, extract, selection, source, suppress
from linter.commands.common import write_text
from linter.config import KEYS, Config, RegexExtractor
from linter.extract.options import FormatOptions
from linter.report.escape import at_line_start, printable


def run(args: argparse.Namespace, config: Config) -> int:
    text = show_settings(config) if args.show_settings else ""
    if args.show_files:
        text += show_files(args.paths, config)
    write_text(None, text)
    return 0


def _toml(value: Any) -> str:
    if isinstance(value, RegexExtractor):
        return _toml({"files": value.files, "pattern": value.pattern})
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        pairs = ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    if isinstance(value, str):
        # JSON escapes C0 controls; TOML's \u escapes the rest a terminal would act on.
        return "".join(
            ch
            if ch.isprintable()
            else f"\\u{ord(ch):04x}"
            if ord(ch) < 0x10000
            else f"\\U{ord(ch):08x}"
            for ch in json.dumps(value, ensure_ascii=False)
        )
    return str(value)


def show_settings(config: Config) -> str:
    lines = [f"# configuration file: {printable(config.source or 'none found (defaults)')}"]
    settings = []
    for key in KEYS:
        value = getattr(config, key.replace("-", "_"))
        where = config.sources.get(key, "default")
        setting = f"{key} = {_toml(value)}" if value is not None else f"# {key} is not set"
        settings.append((setting, where))
    width = max(len(setting) for setting, _ in settings)
    lines += [f"{setting:<{width}}  # {printable(where)}" for setting, where in settings]
    rules = ", ".join(rule.id for rule in selection.selected(config)) or "none"
    lines.append(f"# rules that run: {rules}")
    return "\n".join(lines) + "\n"


def _format(entry: discovery.SourceFile, formats: FormatOptions) -> str:
    """The formats of the file's documents, or why it would be left out."""
    try:
        text = source.read(entry.path).text
    except source.SourceError as exc:
        return f"not read: {exc}"
    if suppress.disables_file(text):
        return "skipped: disable-file"
    found = extract.extract(entry.display, text, formats)
    if found.syntax_error is not None:
        return f"not YAML: {found.syntax_error}"
    if found.skipped is not None:
        return f"skipped: {found.skipped}"
    kinds = list(dict.fromkeys(found.kinds))
    shown = [kind for kind in kinds if kind not in ("other", "empty")] or kinds
    return ", ".join(shown)


def show_files(paths: list[str], config: Config) -> str:
    entries, problems = discovery.discover(
        paths or ["."], exclude=config.excluded, cwd=os.getcwd(), extra=config.extra_files
    )
    formats = FormatOptions.from_config(config)
    rows = [(at_line_start(entry.display), printable(_format(entry, formats))) for entry in entries]
    rows += [
        (at_line_start(path), printable(f"not scanned: {reason}")) for path, reason in problems
    ]
    width = max((len(path) for path, _ in rows), default=0)
    return "".join(f"{path:<{width}}  {what}\n" for path, what in rows)
