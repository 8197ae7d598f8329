"""Options shared by the sub-commands, and how their output is written."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from linter.report import FORMATS


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("common options")
    group.add_argument("--config", metavar="FILE", help="config file (default: search upward)")
    group.add_argument("--format", choices=FORMATS, help="output format (default: text)")
    group.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    group.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="pin one platform's manifest"
    )
    group.add_argument("--concurrency", type=int, metavar="N", help="requests in flight (32)")
    group.add_argument("--no-cache", action="store_true", help="ignore the persistent cache")
    group.add_argument("--cache-dir", metavar="DIR", help="cache directory")
    group.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="allow plain HTTP or unverified TLS for this registry (repeatable)",
    )
    group.add_argument("-v", "--verbose", action="store_true", help="show info findings")
    group.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    group.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return parser


def lint_parser() -> argparse.ArgumentParser:
    """Options of check and fix."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("lint options")
    group.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    group.add_argument("--offline", action="store_true", help="no network: static rules only")
    group.add_argument("--select", type=_csv, default=[], metavar="RULES", help="rules to run")
    group.add_argument("--ignore", type=_csv, default=[], metavar="RULES", help="rules to skip")
    group.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    return parser


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if os.environ.get("GITHUB_ACTIONS") == "true" and not sys.stdout.isatty():
        return "github"
    return "text"


def use_color(args: argparse.Namespace, stream: object = None) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR") or args.output:
        return False
    target = stream if stream is not None else sys.stdout
    return bool(getattr(target, "isatty", lambda: False)())


def write_output(args: argparse.Namespace, text: str) -> None:
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        # A reader gone (`imagepin check | head -1`) takes what it did not read with it;
        # the exit code still tells what the run found.
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.write(text)
            sys.stdout.flush()


def fail(message: str) -> int:
    """A usage or configuration error: one line, exit 2."""
    sys.stderr.write(f"imagepin: error: {message}\n")
    return 2
