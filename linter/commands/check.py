"""``imagepin check`` and ``imagepin fix``."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from linter.commands.common import (
    OutputError,
    Subparsers,
    add_command,
    add_config,
    add_display,
    add_gate,
    add_offline,
    add_paths,
    add_registry,
    add_selection,
    check_output,
    fail,
    settings,
    tracer,
    use_color,
    write_bytes,
)
from linter.config import ConfigError
from linter.report import FORMATS, Report

if TYPE_CHECKING:
    from linter.config import Config
    from linter.engine import CheckOptions


def add_parser(subparsers: Subparsers) -> None:
    check = add_command(
        subparsers,
        "check",
        "lint image references (the default command)",
        [
            "imagepin check deploy/",
            "imagepin check --offline --select IMG00 --statistics .",
            "imagepin check -o json=imagepin.json -o sarif=imagepin.sarif --format github .",
        ],
        "Finds every image reference under PATH, flags the ones pinned by tag only, and\n"
        "(online) asks the registries whether tags and pins are current. Exits 1 when\n"
        "findings at the --fail-on level remain, 2 on usage or configuration errors.",
    )
    _lint_options(check)
    add_offline(check)
    check.add_argument("--fix", action="store_true", help="rewrite files, as `imagepin fix` does")
    _fix_options(check)
    show = check.add_argument_group("show instead of checking")
    show.add_argument(
        "--show-settings",
        action="store_true",
        help="print the effective settings, each with the file (or option) it comes from",
    )
    show.add_argument(
        "--show-files",
        action="store_true",
        help="print each file that would be scanned, with its format",
    )
    check.set_defaults(func=run)
    fix = add_command(
        subparsers,
        "fix",
        "pin tag-only references to tag@digest in place",
        ["imagepin fix deploy/", "imagepin fix --diff .", "imagepin fix --update k8s/app.yaml"],
        "Resolves each tag-only reference and rewrites it as name:tag@sha256:…,\n"
        "changing nothing else in the file. Exits 1 when it rewrote a file or findings\n"
        "at the --fail-on level remain (the pre-commit convention).",
    )
    _lint_options(fix)
    _fix_options(fix)
    fix.set_defaults(func=run, fix=True, offline=False, show_settings=False, show_files=False)


def _lint_options(parser: argparse.ArgumentParser) -> None:
    add_paths(parser)
    add_config(parser)
    add_selection(parser)
    add_gate(parser)
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=FORMATS,
        metavar="{" + ",".join(FORMATS) + "}",
        help="output format (default: text; github when GITHUB_ACTIONS=true and stdout "
        "is no terminal)",
    )
    group.add_argument(
        "--output",
        "-o",
        action="append",
        default=[],
        metavar="[FORMAT=]FILE",
        help="write the --format report to FILE instead of stdout; FORMAT=FILE writes "
        "that format's report there too (repeatable: one run, several reports)",
    )
    group.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings (text or json)",
    )
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
    """The engine's options from the command line and the configuration."""
    from linter.engine import CheckOptions

    return CheckOptions(
        config=settings(args),
        offline=args.offline,
        verbose=args.verbose > 0,
        fix=fix,
        update=getattr(args, "update", False),
        diff=getattr(args, "diff", False),
        no_cache=args.no_cache,
        cache_dir=args.cache_dir,
        tracer=tracer(args),
    )


def outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file) of each report to write; file None is stdout. ``-o FORMAT=FILE``
    names its format; the --format report goes to the plain ``-o FILE``, else stdout."""
    from linter.commands.common import output_format

    named: list[tuple[str, str | None]] = []
    plain: str | None = None
    for value in args.output:
        fmt, sep, path = value.partition("=")
        if sep and fmt in FORMATS:
            if not path:
                raise ConfigError(f"-o {value}: give the file, e.g. -o {fmt}=report.{fmt}")
            named.append((fmt, path))
        elif plain is not None:
            raise ConfigError(f"-o {plain} and -o {value}: name the format, e.g. -o json=FILE")
        else:
            plain = value
    return [(output_format(args), plain), *named]


def run(args: argparse.Namespace) -> int:
    from linter.engine import run_check

    try:
        targets = outputs(args)
        for _, path in targets:
            check_output(path)
        if args.statistics and targets[0][0] not in ("text", "json"):
            return fail(f"--statistics prints text or json, not {targets[0][0]}")
        options = check_options(args, fix=bool(args.fix or args.diff))
        if args.show_settings or args.show_files:
            from linter.commands import show

            return show.run(args, options.config)
        if options.fix and options.offline:
            return fail("fix needs the registries: it cannot run with --offline")
        with _progress(args, options):
            outcome = run_check(args.paths, options)
    except ConfigError as exc:
        return fail(str(exc))
    report = outcome.report
    diff_only = options.diff and args.format is None
    if outcome.diffs:
        _print_diffs(outcome.diffs, args)
    unwritten = []
    for index, (fmt, path) in enumerate(targets):
        if index == 0 and path is None and diff_only:
            # The diff is the output; what it leaves unfixed or unverified goes to stderr,
            # as fix would print it.
            _write_stderr(args, report)
            continue
        try:
            _write(args, fmt, path, report, statistics=index == 0 and args.statistics)
        except OutputError as exc:  # checked writable before the run, then failed
            unwritten.append(str(exc))
    if unwritten:
        # The other outputs are written; what fix wrote is still said.
        fixed = [f"fixed {path}" for path in report.fixed_files]
        return fail("; ".join([*unwritten, *fixed]))
    if args.exit_zero:
        return 0
    return 1 if report.fixed_files or fails(report, options.config) else 0


def fails(report: Report, config: Config) -> bool:
    """Whether what remains fails the run: findings at ``fail-on`` or above, or files
    that could not be linted; never with ``fail-on = "never"``."""
    from linter.model import Level

    if config.fail_on == "never":
        return False
    threshold = Level.parse(config.fail_on)
    return bool(report.errors) or any(f.level >= threshold for f in report.findings)


def _write(
    args: argparse.Namespace, fmt: str, path: str | None, report: Report, *, statistics: bool
) -> None:
    from linter.commands.common import write_text
    from linter.report import render

    color = path is None and fmt == "text" and use_color(args)
    if statistics:
        from linter.report import statistics as stats

        text = stats.render(report, fmt)
    else:
        text = render(fmt, report, color=color, quiet=args.quiet)
    write_text(path, text)
    if fmt == "github":
        from linter.report.github import write_step_outputs, write_step_summary

        write_step_summary(report)
        write_step_outputs(report)


def _progress(args: argparse.Namespace, options: CheckOptions) -> AbstractContextManager[object]:
    """A spinner on an interactive terminal while the registries answer; nothing otherwise."""
    if options.offline or args.quiet or not sys.stderr.isatty() or not use_color(args, sys.stderr):
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status("resolving images…", spinner="dots")


def _write_stderr(args: argparse.Namespace, report: Report) -> None:
    """What a diff leaves unfixed or unverified (findings, files not fixed, registry
    problems), as fix reports it; nothing when the diff fixes everything."""
    from linter.report import render

    remaining = report._replace(fixed_files=())
    sys.stderr.write(render("text", remaining, color=use_color(args, sys.stderr), quiet=True))


def _print_diffs(diffs: tuple[str, ...], args: argparse.Namespace) -> None:
    """The diffs, byte for byte (UTF-8 whatever the locale). In GitHub Actions they are
    fenced with ``::stop-commands::``: a file's line can read ``::error::…`` once the
    runner trims the diff's leading space; both patch tools skip the fence lines."""
    text = "".join(diffs)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        import secrets

        token = secrets.token_hex(16)
        text = f"::stop-commands::{token}\n{text}::{token}::\n"
    if use_color(args):
        from rich.console import Console
        from rich.syntax import Syntax

        # Printed as text with soft wrapping: the terminal folds long lines (a pinned line is
        # longer than most) and rich inserts no newline, so a copied diff still applies.
        coloured = Syntax(text, "diff", theme="ansi_dark").highlight(text)
        Console(highlight=False).print(coloured, end="", soft_wrap=True)
    else:
        # File content, not messages: past the text layer's encoding and the scrubbing of
        # secrets (linter.redact), which would change the bytes the patch must hold.
        write_bytes(None, text.encode("utf-8"))
