"""``imagepin rules``: the rules with their ids, names, levels and docs."""

from __future__ import annotations

import argparse
import json

from linter.commands.common import Subparsers, add_command, add_output, write_output
from linter.rules import Rule, all_rules, lookup


def add_parser(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "rules",
        "list the rules, or show one rule's documentation",
        ["imagepin rules", "imagepin rules IMG001", "imagepin rules unpinned-tag"],
    )
    parser.add_argument(
        "rule", nargs="?", metavar="RULE", help="a rule id or name: show its full documentation"
    )
    add_output(parser, ("text", "json"), "text")
    parser.set_defaults(func=run)


def _describe(rule: Rule) -> str:
    flags = ", ".join(
        word for word, on in (("online", rule.online), ("fixable", rule.fixable)) if on
    )
    suffix = f" ({flags})" if flags else ""
    return f"{rule.id}  {rule.name:<26} {rule.level!s:<8} {rule.summary}{suffix}\n"


def run(args: argparse.Namespace) -> int:
    if args.rule:
        try:
            rule = lookup(args.rule)
        except KeyError:
            from linter.commands.common import fail

            return fail(f"unknown rule {args.rule!r}")
        rules: tuple[Rule, ...] = (rule,)
    else:
        rules = all_rules()
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
    elif args.rule:
        write_output(args, f"{rule.id} {rule.name} ({rule.level})\n\n{rule.doc}")
    else:
        write_output(args, "".join(_describe(r) for r in rules))
    return 0
