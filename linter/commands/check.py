"""``imagepin check`` and ``imagepin fix``."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from linter.commands.common import fail, lint_parser, output_format, use_color, write_output
from linter.config import ConfigError, load
from linter.model import Level

if TYPE_CHECKING:
    from linter.engine import CheckOptions


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    check = subparsers.add_parser(
        "check", help="lint image references (default)", parents=[*parents, lint_parser()]
    )
    check.add_argument("--fix", action="store_true", help="same as `imagepin fix`")
    _fix_options(check)
    check.set_defaults(func=run)
    fix = subparsers.add_parser(
        "fix", help="pin tag-only references to digests", parents=[*parents, lint_parser()]
    )
    _fix_options(fix)
    fix.set_defaults(func=run, fix=True)


def _fix_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--diff", action="store_true", help="with fix: print a unified diff, write nothing"
    )
    parser.add_argument(
        "--update", action="store_true", help="with fix: also replace stale digests (IMG005)"
    )


def check_options(args: argparse.Namespace, *, fix: bool = False) -> CheckOptions:
    """The engine's options from the command line and the configuration file."""
    from linter.engine import CheckOptions

    config = load(args.config)
    return CheckOptions(
        config=config,
        offline=args.offline,
        select=tuple(args.select),
        ignore=tuple(args.ignore),
        verbose=args.verbose,
        fix=fix,
        update=getattr(args, "update", False),
        diff=getattr(args, "diff", False),
        no_cache=args.no_cache,
        cache_dir=args.cache_dir,
        insecure=tuple(args.insecure_registry),
        platform=args.platform or config.platform,
        concurrency=args.concurrency,
    )


def run(args: argparse.Namespace) -> int:
    from linter.engine import run_check

    try:
        options = check_options(args, fix=bool(args.fix or args.diff))
        if options.fix and options.offline:
            return fail("fix needs the registries: it cannot run with --offline")
        with _progress(args, options):
            outcome = run_check(args.paths, options)
    except ConfigError as exc:
        return fail(str(exc))
    report = outcome.report
    fmt = output_format(args)
    if outcome.diffs:
        _print_diffs(outcome.diffs, args)
    if not (outcome.diffs and args.format is None):
        from linter.report import render

        color = use_color(args)
        write_output(args, render(fmt, report, color=color, quiet=args.quiet))
    if fmt == "github":
        from linter.report.github import write_step_summary

        write_step_summary(report)
    errors = any(f.level >= Level.ERROR for f in report.findings)
    changed = bool(report.fixed_files)
    if args.exit_zero:
        return 0
    return 1 if errors or changed or report.errors else 0


def _progress(args: argparse.Namespace, options: CheckOptions) -> AbstractContextManager[object]:
    """A spinner on an interactive terminal while the registries answer; nothing otherwise."""
    if options.offline or args.quiet or not sys.stderr.isatty() or not use_color(args, sys.stderr):
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status("resolving images…", spinner="dots")


def _print_diffs(diffs: tuple[str, ...], args: argparse.Namespace) -> None:
    text = "".join(diffs)
    if use_color(args):
        from rich.console import Console
        from rich.syntax import Syntax

        Console(highlight=False).print(Syntax(text, "diff", theme="ansi_dark"), end="")
    else:
        sys.stdout.write(text)
