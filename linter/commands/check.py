"""``imagepin check`` and ``imagepin fix``."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from linter.commands.common import (
    Subparsers,
    add_command,
    add_config,
    add_display,
    add_offline,
    add_output,
    add_paths,
    add_registry,
    add_selection,
    fail,
    output_format,
    use_color,
    write_output,
)
from linter.config import ConfigError, load
from linter.model import Level
from linter.report import FORMATS

if TYPE_CHECKING:
    from linter.engine import CheckOptions


def add_parser(subparsers: Subparsers) -> None:
    check = add_command(
        subparsers,
        "check",
        "lint image references (the default command)",
        ["imagepin check deploy/", "imagepin check --offline --format sarif -o imagepin.sarif ."],
        "Finds every image reference under PATH, flags the ones pinned by tag only, and "
        "(online) asks the registries whether tags and pins are current. Exits 1 when "
        "error-level findings remain, 2 on usage or configuration errors.",
    )
    _lint_options(check)
    add_offline(check)
    check.add_argument("--fix", action="store_true", help="rewrite files, as `imagepin fix` does")
    _fix_options(check)
    check.set_defaults(func=run)
    fix = add_command(
        subparsers,
        "fix",
        "pin tag-only references to tag@digest in place",
        ["imagepin fix deploy/", "imagepin fix --diff .", "imagepin fix --update k8s/app.yaml"],
        "Resolves each tag-only reference and rewrites it as name:tag@sha256:…, changing "
        "nothing else in the file. Exits 1 when it rewrote a file or error-level findings "
        "remain (the pre-commit convention).",
    )
    _lint_options(fix)
    _fix_options(fix)
    fix.set_defaults(func=run, fix=True, offline=False)


def _lint_options(parser: argparse.ArgumentParser) -> None:
    add_paths(parser)
    add_config(parser)
    add_selection(parser)
    parser.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when error-level findings remain"
    )
    add_output(parser, FORMATS, "text; github when GITHUB_ACTIONS=true and stdout is no terminal")
    add_display(parser)
    add_registry(parser)


def _fix_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of what fix would change, and write nothing",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="when fixing, also move pins whose tag now has another digest (IMG005)",
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
        verbose=args.verbose > 0,
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
