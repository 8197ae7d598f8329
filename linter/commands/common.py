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
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from linter.config import FAIL_ON, Config, ConfigError
from linter.configfile import load
from linter.redact import scrub
from linter.report.escape import printable

if TYPE_CHECKING:
    from linter.registry.trace import Tracer

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's raw-description formatter, as wide as the terminal without importing
    shutil: argparse makes a formatter for every ``add_argument`` (to check its
    metavar), and the first one imports shutil, which loads bz2 and lzma: ~7 M of the
    ~250 M instructions of a one-file check, for a width only help output uses."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=terminal_columns() - 2)  # as argparse does


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``COLUMNS`` when it is a positive number,
    else the width of the terminal on standard output, else 80."""
    with contextlib.suppress(KeyError, ValueError):
        if (columns := int(os.environ["COLUMNS"])) > 0:
            return columns
    if sys.__stdout__ is None:
        return 80
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (ValueError, OSError):  # closed, detached, or not a terminal
        return 80


def add_command(
    subparsers: Subparsers, name: str, summary: str, examples: Sequence[str], details: str = ""
) -> argparse.ArgumentParser:
    """A sub-command's parser: ``summary`` is its one line in ``imagepin --help`` and the
    first line of its own help, then ``details``; ``examples`` close its help.
    ``details`` is given wrapped as ``textwrap.fill(details, 78)`` would (the raw
    formatter keeps the lines; importing textwrap is ~4 M instructions of start-up)."""
    description = f"{summary}." + (f"\n\n{details}" if details else "")
    return subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog="examples:\n" + "".join(f"  {line}\n" for line in examples),
        formatter_class=HelpFormatter,
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


def add_output(
    parser: argparse.ArgumentParser, formats: Sequence[str], default: str, what: str = ""
) -> None:
    """``--format`` (one of ``formats``; ``what`` says what each is) and ``--output``."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=formats,
        metavar="{" + ",".join(formats) + "}",
        help=f"output format (default: {default})" + (f": {what}" if what else ""),
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
        # Only the commands that print findings (those with -q) have info findings to show.
        help=f"say more: {'info findings, ' if quiet else ''}answers taken from the cache and "
        "their age, request counts, a traceback on internal errors; -vv: --trace",
    )
    group.add_argument(
        "--trace",
        action="store_true",
        help="print each registry exchange (method, URL, status, time), cache answer and "
        "credential source, never a secret: the same as -vv",
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


#: What ``--platform`` does in check, fix and resolve.
PLATFORM_HELP = "use this platform's manifest instead of the multi-platform index"


def add_registry(
    parser: argparse.ArgumentParser, *, concurrency: bool = True, platform: str = PLATFORM_HELP
) -> None:
    """How the registries are asked; ``platform`` is the help of ``--platform``."""
    group = parser.add_argument_group("registry")
    group.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", help=platform)
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
        "--refresh",
        action="store_true",
        help="ask the registries again instead of using cached tag -> digest answers "
        "(for this run; the cache is updated)",
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
    parser: argparse.ArgumentParser,
    formats: Sequence[str],
    *,
    concurrency: bool = True,
    what: str = "",
    platform: str = PLATFORM_HELP,
) -> None:
    """The options of a command about the references it is given (resolve, inspect);
    ``what`` and ``platform`` as in :func:`add_output` and :func:`add_registry`."""
    add_config(parser)
    add_output(parser, formats, formats[0], what)
    add_display(parser, quiet=False, color=False)
    add_registry(parser, concurrency=concurrency, platform=platform)


def add_selection(parser: argparse.ArgumentParser) -> None:
    """Which rules run (ruff's selectors: ids, prefixes such as IMG00, names, ALL)."""
    group = parser.add_argument_group("rules")
    selectors = "rule ids, prefixes (IMG00), names or ALL, comma-separated; repeatable"
    group.add_argument(
        "--select",
        type=_csv,
        action="extend",
        metavar="RULES",
        help=f"run only these rules, instead of `select` (default: ALL): {selectors}",
    )
    group.add_argument(
        "--extend-select",
        type=_csv,
        action="extend",
        metavar="RULES",
        help=f"run these rules too, on top of `select`: {selectors}",
    )
    group.add_argument(
        "--ignore",
        type=_csv,
        action="extend",
        metavar="RULES",
        help=f"skip these rules, on top of `ignore`: {selectors}",
    )
    group.add_argument(
        "--extend-ignore",
        type=_csv,
        action="extend",
        metavar="RULES",
        help="the same as --ignore (ruff's spelling)",
    )


def add_gate(parser: argparse.ArgumentParser) -> None:
    """What makes the exit code 1."""
    group = parser.add_argument_group("exit code")
    group.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when findings at this level or above remain, or a file could not be "
        "linted (default: `fail-on`, else error); never: only usage errors fail",
    )
    group.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 whatever was found or fixed (usage errors still exit 2)",
    )


#: Options that set a configuration key: (key, the option, whether it adds to the key).
_OVERRIDES = (
    ("select", "--select", False),
    ("extend-select", "--extend-select", True),
    ("ignore", "--ignore", True),
    ("extend-ignore", "--extend-ignore", True),
    ("fail-on", "--fail-on", False),
    ("platform", "--platform", False),
    ("insecure-registries", "--insecure-registry", True),
    ("concurrency", "--concurrency", False),
)


def settings(args: argparse.Namespace) -> Config:
    """The configuration (the file found, or ``--config``) with the command line's options
    applied, each recorded as the source of its value; warnings about it are printed."""
    config = load(getattr(args, "config", None))
    for warning in config.warnings:
        sys.stderr.write(f"imagepin: warning: {printable(warning)}\n")
    for key, option, adds in _OVERRIDES:
        value = getattr(args, option[2:].replace("-", "_"), None)
        if value is None or value == []:
            continue
        source = option
        if adds:
            earlier = getattr(config, key.replace("-", "_"))
            value = tuple(dict.fromkeys((*earlier, *value)))
            if earlier:
                source = f"{config.sources[key]} + {option}"
        elif isinstance(value, list):
            value = tuple(value)
        config = config.override(key, value, source)
    if config.concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1, not {config.concurrency}")
    if getattr(args, "refresh", False):
        # Answers older than 0 seconds are not used: every tag is asked again.
        config = config.override("cache-ttl", 0, "--refresh")
    return config


def add_offline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never use the network: static rules only (pinning, syntax, allowed registries)",
    )


def tracer(args: argparse.Namespace) -> Tracer | None:
    """What to print of the registry traffic: with ``-v`` the answers taken from the cache,
    with ``-vv`` or ``--trace`` every exchange too (linter.registry.trace); on stderr."""
    level = 2 if getattr(args, "trace", False) else getattr(args, "verbose", 0)
    if level < 1:
        return None
    from linter.registry import trace

    said: set[str] = set()

    def tell(event: trace.Event) -> None:
        if level >= 2:
            line = f"trace: {trace.describe(event)}"
        elif isinstance(event, trace.CacheAnswer) and event.age is not None:
            line = (
                f"{event.reference}: digest from the cache, stored {trace.age(event.age)} ago "
                "(--refresh asks the registry again)"
            )
        else:
            return
        # A registry's credentials are looked up for every request: said once.
        if line not in said or not isinstance(event, trace.CredentialsFound):
            said.add(line)
            sys.stderr.write(f"imagepin: {printable(line)}\n")

    return tell


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if os.environ.get("GITHUB_ACTIONS") == "true" and not sys.stdout.isatty():
        return "github"
    return "text"


def use_color(args: argparse.Namespace, stream: object = None) -> bool:
    """Whether text for ``stream`` (stdout by default) is coloured: ``--color``, else on
    a terminal without NO_COLOR."""
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    target = stream if stream is not None else sys.stdout
    return bool(getattr(target, "isatty", lambda: False)())


def check_output(path: str | None) -> None:
    """ConfigError (a usage error) when ``path`` cannot be written: checked before the run,
    so that nothing is fixed for a report that would then have nowhere to go. The file
    is opened for writing without truncating or waiting, and removed if it was made."""
    if path is None:
        return
    made = not os.path.lexists(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        os.close(os.open(path, flags, 0o666))
        if made:
            os.unlink(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_output(args: argparse.Namespace, text: str) -> None:
    """A command's output: to ``--output``, else stdout."""
    write_text(args.output, text)


class OutputError(Exception):
    """An output file that could not be written after all (a full disk, ``/proc``): a usage
    error (exit 2) naming the file, never an internal one."""


def write_text(path: str | None, text: str) -> None:
    """``text`` to the file ``path``, or to stdout when it is None."""
    if path:
        # Standard output is scrubbed by the command line (linter.cli); a file here.
        write_bytes(path, scrub(text).encode("utf-8"))
    else:
        # A reader gone (`imagepin check | head -1`) takes what it did not read with it;
        # the exit code still tells what the run found.
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.write(text)
            sys.stdout.flush()


def write_bytes(path: str | None, data: bytes) -> None:
    """``data`` as it is to the file ``path``, or to stdout when it is None (already
    checked for secrets and, for a terminal, control characters, by the caller)."""
    if path:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        sys.stdout.flush()
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()


def fail(message: str) -> int:
    """A usage or configuration error: one line, exit 2."""
    sys.stderr.write(f"imagepin: error: {printable(message)}\n")
    return 2
