"""The command line: ``main(argv) -> int``; exit codes 0 clean, 1 findings/rewrites, 2 errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from linter import __version__

COMMANDS = ("check", "fix", "resolve", "inspect", "comment", "rules")


def build_parser() -> argparse.ArgumentParser:
    from linter.commands import check, comment, inspect, resolve, rules
    from linter.commands.common import options_parser

    parser = argparse.ArgumentParser(
        prog="imagepin",
        description="Pin every container image in your GitOps repository to a digest, "
        "and verify the pins.",
    )
    parser.add_argument("--version", action="version", version=f"imagepin {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = [options_parser()]
    for module in (check, resolve, inspect, comment, rules):
        module.add_parser(subparsers, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `imagepin PATH` is `imagepin check PATH`.
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "check")
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write("imagepin: interrupted\n")
        return 130
    except Exception as exc:  # exit 2 with one line; the traceback only with -v
        if getattr(args, "verbose", False):
            raise
        sys.stderr.write(f"imagepin: internal error: {type(exc).__name__}: {exc}\n")
        return 2
    return result
