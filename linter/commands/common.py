"""How a sub-command's parser is made, the option groups the sub-commands pick from, and
how their output is written.

Each command adds only the groups it uses, so ``imagepin COMMAND --help`` lists
exactly what that command accepts (``fix --help`` has no ``--offline``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TypeAlias

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_command(
    subparsers: Subparsers, name: str, summary: str, examples: Sequence[str], details: str = ""
) -> argparse.ArgumentParser:
    """A sub-command's parser: ``summary`` is its one line in ``imagepin --help`` and the
    first line of its own help, then ``details``; ``examples`` close its help."""
    description = f"{summary}."
    if details:
        # The raw formatter keeps the examples' lines; the prose is wrapped here.
        description += "\n\n" + textwrap.fill(details, width=78)
    return subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog="examples:\n" + "".join(f"  {line}\n" for line in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to scan (default: the current directory)",
    )


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: the nearest .imagepin.toml or pyproject.toml "
        "with [tool.imagepin], searching upward to the repository root)",
    )


def add_output(parser: argparse.ArgumentParser, formats: Sequence[str], default: str) -> None:
    """``--format`` (one of ``formats``) and ``--output``."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=formats,
        metavar="{" + ",".join(formats) + "}",
        help=f"output format (default: {default})",
    )
    group.add_argument(
        "--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout"
    )


def add_display(parser: argparse.ArgumentParser, *, quiet: bool = True, color: bool = True) -> None:
    """``-v`` (repeatable), and ``-q`` and ``--color`` for commands that print findings."""
    group = parser.add_argument_group("display")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="say more: info findings, request counts; a traceback on internal errors",
    )
    if quiet:
        group.add_argument(
            "-q", "--quiet", action="store_true", help="print the findings only, no summary"
        )
    if color:
        group.add_argument(
            "--color",
            choices=("auto", "always", "never"),
            default="auto",
            help="colour the text output (default: auto, i.e. on a terminal without NO_COLOR)",
        )


def add_registry(parser: argparse.ArgumentParser, *, concurrency: bool = True) -> None:
    """How the registries are asked."""
    group = parser.add_argument_group("registry")
    group.add_argument(
        "--platform",
        metavar="OS/ARCH[/VARIANT]",
        help="use this platform's manifest instead of the multi-platform index",
    )
    if concurrency:
        group.add_argument(
            "--concurrency",
            type=int,
            metavar="N",
            help="registry requests in flight at once (default: 32, or `concurrency`)",
        )
    group.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the persistent cache of registry answers",
    )
    group.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where the cache lives (default: $XDG_CACHE_HOME/imagepin or ~/.cache/imagepin)",
    )
    group.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="allow plain HTTP or unverified TLS for this registry (repeatable)",
    )


def add_lookup_options(
    parser: argparse.ArgumentParser, formats: Sequence[str], *, concurrency: bool = True
) -> None:
    """The options of a command about the references it is given (resolve, inspect)."""
    add_config(parser)
    add_output(parser, formats, formats[0])
    add_display(parser, quiet=False, color=False)
    add_registry(parser, concurrency=concurrency)


def add_selection(parser: argparse.ArgumentParser) -> None:
    """Which rules run and what the exit code means."""
    group = parser.add_argument_group("rules")
    group.add_argument(
        "--select",
        type=_csv,
        default=[],
        metavar="RULES",
        help="run only these rules: ids or names, comma-separated (default: all, or `select`)",
    )
    group.add_argument(
        "--ignore",
        type=_csv,
        default=[],
        metavar="RULES",
        help="skip these rules: ids or names, comma-separated",
    )


def add_offline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never use the network: static rules only (pinning, syntax, allowed registries)",
    )


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
