"""The command line: ``main(argv) -> int``; exit codes 0 clean, 1 findings/rewrites, 2 errors."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

from linter import __version__

#: Optional imports our dependencies make for features imagepin never uses, when those
#: packages happen to be installed: httpx's own command line (click, pygments, rich
#: tables: ~30 ms) and httpcore's trio support (~35 ms). Blocked in the command's process
#: only; a program that imports linter keeps its imports as they are.
UNUSED_IMPORTS = ("httpx._main", "trio")

#: The cyclic collector's thresholds in the command's process (Python's: 700, 10, 10).
#: A run allocates its modules, parse trees and records and keeps nearly all of them to
#: its end, so a first-generation pass every 700 allocations mostly re-walks what lives
#: on: 29 passes in a one-file check, 5 % of its instructions. mypy raises them too.
GC_THRESHOLDS = (100_000, 20, 20)

#: Set once the command has taken a Ctrl-C: a lost one is delivered again until then.
_interrupt_taken = False

#: Sub-command -> the module in linter.commands that defines it.
COMMANDS = {
    "check": "check",
    "fix": "check",
    "resolve": "resolve",
    "inspect": "inspect",
    "comment": "comment",
    "rules": "rules",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported (start-up cost)."""
    from linter.commands.common import HelpFormatter  # every command's module imports it

    parser = argparse.ArgumentParser(
        prog="imagepin",
        description="Pin every container image in your GitOps repository to a digest, "
        "and verify the pins.",
        epilog="`imagepin PATH ...` is `imagepin check PATH ...`;\n"
        "`imagepin COMMAND --help` lists a command's options.\n\n"
        "examples:\n  imagepin check --offline .\n  imagepin fix deploy/\n"
        "  imagepin resolve nginx:1.27\n",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imagepin {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [COMMANDS[command]] if command else list(dict.fromkeys(COMMANDS.values()))
    for name in names:
        importlib.import_module(f"linter.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ``argv`` None means this process is imagepin (the console script or
    ``python -m linter``): then it ends here, without tearing the interpreter down."""
    if argv is not None:
        return _run(argv)
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    sys.unraisablehook = _interrupts_kept(sys.unraisablehook)
    for name in UNUSED_IMPORTS:
        # None in sys.modules makes `import name` raise ImportError, which both
        # libraries expect when the package is missing.
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    _leave(_run(sys.argv[1:], process=True))


def _interrupts_kept(
    hook: Callable[[UnraisableHookArgs], object],
) -> Callable[[UnraisableHookArgs], object]:
    """``hook``, but a Ctrl-C that lands in a finalizer is delivered again, not dropped.

    Python runs a signal's handler wherever the main thread is, a finalizer included (the
    import system's weakref callbacks run all through start-up), and an exception there
    is only printed as "ignored": the run would go on to its timeouts. The interrupt is
    delivered again instead, from a thread, so that it comes once the finalizer is done.
    """

    def kept(unraisable: UnraisableHookArgs) -> object:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            import _thread

            _thread.start_new_thread(_deliver_interrupt, (_thread.get_ident(),))
            return None
        return hook(unraisable)

    return kept


def _deliver_interrupt(main_thread: int) -> None:
    """SIGINT to ``main_thread`` until the command has taken a Ctrl-C: a signal, to wake a
    blocking call; from this thread, a little later, since raised in the hook it would be
    ignored again; and again, since one may land in a finalizer or in the hook too."""
    import signal
    import time

    while not _interrupt_taken:
        time.sleep(0.02)
        signal.pthread_kill(main_thread, signal.SIGINT)


def unknown_command(word: str) -> str:
    """The usage error for a first argument that is neither a command nor a path."""
    import difflib  # a usage error's hint only: not on every start-up

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else f"commands: {', '.join(COMMANDS)}"
    return f"{word!r} is neither a command nor an existing path: {hint}"


def _run(argv: Sequence[str], *, process: bool = False) -> int:
    """The command, with everything it prints scrubbed of known secrets (linter.redact).
    ``process``: this process is imagepin's (its interpreter-wide settings are ours)."""
    from linter.redact import scrubbing_standard_streams

    with scrubbing_standard_streams():
        return _command(argv, process)


def _command(argv: Sequence[str], process: bool) -> int:
    args_list = list(argv)
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help", "--version"):
        first = args_list[0] if args_list else "-"
        # `imagepin PATH` is `imagepin check PATH`; a mistyped command is not a path.
        if not first.startswith("-") and not os.path.lexists(first):
            build_parser().print_usage(sys.stderr)
            from linter.commands.common import fail  # loaded with the parser

            return fail(unknown_command(first))
        args_list.insert(0, "check")
    command = args_list[0] if args_list[0] in COMMANDS else None
    try:
        args = _parse(build_parser(command), args_list)
    except SystemExit as exc:  # --help, --version, or a usage error (2) argparse printed
        return int(exc.code or 0)
    from linter.commands.common import OutputError, fail  # loaded with the command's parser

    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return _interrupted(process)
    except OutputError as exc:
        return fail(str(exc))
    except Exception as exc:  # exit 2 with one line; the traceback only with -v
        if getattr(args, "verbose", False):
            import traceback

            # Printed here, through the scrubbing stream, not by the interpreter after it.
            traceback.print_exc()
        from linter.report.escape import printable

        sys.stderr.write(f"imagepin: internal error: {type(exc).__name__}: {printable(str(exc))}\n")
        return 2
    except BaseException as exc:
        if not _cancelled(exc):
            raise
        return _interrupted(process)
    return result


def _cancelled(exc: BaseException) -> bool:
    """Whether ``exc`` is the event loop's cancellation: asyncio.run turns a Ctrl-C into its
    main task's, and on Python 3.11 lets that CancelledError out instead of a
    KeyboardInterrupt when the signal lands just as it installs its handler. Nothing
    else of imagepin cancels a run's main task."""
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and isinstance(exc, asyncio.CancelledError)


def _interrupted(process: bool) -> int:
    """Exit 130 with one line. In imagepin's own process, what is torn down after a Ctrl-C
    (an event loop half made, a coroutine never started) says nothing more: the user
    asked to stop, not for the interpreter's complaints."""
    global _interrupt_taken
    _interrupt_taken = True
    if process:
        import warnings

        warnings.simplefilter("ignore")
        sys.unraisablehook = lambda unraisable: None
    sys.stderr.write("imagepin: interrupted\n")
    return 130


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse; an option the command does not take is reported with the command's usage
    (argparse would show the top level's, which names no option)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _leave(status: int) -> NoReturn:
    """Exit with ``status`` once the output is flushed, skipping the interpreter's
    teardown (mypy's ``hard_exit`` does the same): freeing every object of a run that
    parsed hundreds of files and loaded the HTTP stack takes 40 ms and buys nothing.
    By now every file is written and closed, and no thread is left running."""
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`imagepin ... | head`): what was not read is gone either way.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)
