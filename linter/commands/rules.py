"""``imagepin rules``: the rules with their ids, names, levels and docs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from linter import selection
from linter.commands.common import (
    Subparsers,
    add_command,
    add_output,
    check_output,
    fail,
    write_output,
)
from linter.config import ConfigError
from linter.rules import Rule
from linter.rules.catalog import all_rules, lookup


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "rules",
        "list the rules, or show one rule's documentation",
        [
            "imagepin rules",
            "imagepin rules IMG001",
            "imagepin rules unpinned-tag",
            "imagepin rules IMG01",
        ],
    )
    parser.add_argument(
        "rule",
        nargs="?",
        metavar="RULE",
        help="a rule id or name: show its full documentation; an id prefix (IMG01) or ALL: "
        "list those rules",
    )
    add_output(parser, ("text", "json"), "text")
    parser.set_defaults(func=run)


#: The table's columns: heading, and the cell of a rule.
_COLUMNS = (
    ("ID", lambda rule: rule.id),
    ("NAME", lambda rule: rule.name),
    ("LEVEL", lambda rule: str(rule.level)),
    ("FIXABLE", lambda rule: "yes" if rule.fixable else "no"),
    ("ONLINE", lambda rule: "yes" if rule.online else "no"),
    ("SUMMARY", lambda rule: rule.summary),
)


def table(rules: Sequence[Rule]) -> str:
    """One row per rule; FIXABLE: `imagepin fix` pins it, ONLINE: it asks the registries."""
    rows = [[heading for heading, _ in _COLUMNS]]
    rows += [[cell(rule) for _, cell in _COLUMNS] for rule in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS) - 1)]
    return "".join(
        "  ".join(text.ljust(width) for text, width in zip(row[:-1], widths, strict=True))
        + f"  {row[-1]}\n"
        for row in rows
    )


def run(args: argparse.Namespace) -> int:
    try:
        check_output(args.output)
    except ConfigError as exc:
        return fail(str(exc))
    documented: Rule | None = None
    rules = all_rules()
    if args.rule:
        try:
            documented = lookup(args.rule)
            rules = (documented,)
        except KeyError:
            # A selector as --select takes it (IMG01, ALL), or the rule most likely meant.
            try:
                chosen = selection.expand([args.rule])
            except ConfigError as exc:
                return fail(str(exc))
            rules = tuple(rule for rule in rules if rule.id in chosen)
    if args.format == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "level": str(r.level),
                "summary": r.summary,
                "online": r.online,
                "fixable": r.fixable,
                "doc": r.doc,
            }
            for r in rules
        ]
        write_output(args, json.dumps(data, indent=2) + "\n")
    elif documented is not None:
        write_output(
            args, f"{documented.id} {documented.name} ({documented.level})\n\n{documented.doc}"
        )
    else:
        write_output(args, table(rules))
    return 0
