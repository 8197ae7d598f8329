"""Mistakes on the command line are usage errors (exit 2), and each command's help shows
exactly the options it accepts, each explained, with a one-line summary and examples."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from linter.cli import COMMANDS, build_parser, main
from linter.commands.common import terminal_columns

USAGE = "usage: imagepin [-h] [--version] COMMAND ...\n"


def subparsers() -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("chek", "'chek' is neither a command nor an existing path: did you mean `check`?"),
        ("fixx", "'fixx' is neither a command nor an existing path: did you mean `fix`?"),
        ("rule", "'rule' is neither a command nor an existing path: did you mean `rules`?"),
        ("resolv", "'resolv' is neither a command nor an existing path: did you mean `resolve`?"),
        (
            "deploy",
            "'deploy' is neither a command nor an existing path: "
            "commands: check, fix, resolve, inspect, comment, rules",
        ),
        (
            "missing.yaml",
            "'missing.yaml' is neither a command nor an existing path: "
            "commands: check, fix, resolve, inspect, comment, rules",
        ),
    ],
)
def test_an_unknown_command_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    word: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([word, "--offline"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{USAGE}imagepin: error: {message}\n"


@pytest.mark.parametrize("name", ["chek", "deploy.yaml"])
def test_an_existing_path_is_checked_whatever_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (tmp_path / name).write_text("apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n")
    monkeypatch.chdir(tmp_path)
    assert main([name, "--offline", "--color", "never"]) == 0
    assert "checked 1 file" in capsys.readouterr().out


#: (command, option, accepted): what each command's help offers and its parser takes.
OPTIONS = [
    ("check", "--offline", True),
    ("check", "--fix", True),
    ("check", "--concurrency", True),
    ("fix", "--offline", False),
    ("fix", "--fix", False),
    ("fix", "--diff", True),
    ("fix", "--update", True),
    ("rules", "--concurrency", False),
    ("rules", "--offline", False),
    ("rules", "--config", False),
    ("rules", "--platform", False),
    ("rules", "--color", False),
    ("rules", "--format", True),
    ("resolve", "--offline", False),
    ("resolve", "--select", False),
    ("resolve", "--quiet", False),
    ("resolve", "--diff", False),
    ("resolve", "--platform", True),
    ("inspect", "--concurrency", False),
    ("inspect", "--select", False),
    ("inspect", "--exit-zero", False),
    ("inspect", "--key", True),
    ("comment", "--format", False),
    ("comment", "--color", False),
    ("comment", "--fix", False),
    ("comment", "--from-json", True),
    ("comment", "--offline", True),
]


@pytest.mark.parametrize(("command", "option", "accepted"), OPTIONS)
def test_help_offers_exactly_the_options_a_command_accepts(
    command: str, option: str, accepted: bool
) -> None:
    parser = subparsers()[command]
    listed = re.search(rf"^  (-\w, )?{option}\b", parser.format_help(), re.MULTILINE)
    assert (listed is not None) is accepted
    assert (f"[{option}" in parser.format_usage()) is accepted
    assert (option in parser._option_string_actions) is accepted


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fix", "--offline"], "imagepin fix: error: unrecognized arguments: --offline"),
        (["rules", "--concurrency", "4"], "imagepin rules: error: unrecognized arguments: "),
        (
            ["resolve", "--format", "sarif", "nginx:1"],
            "imagepin resolve: error: argument --format: invalid choice: 'sarif' "
            "(choose from 'text', 'json')",
        ),
        (
            ["inspect", "--format", "sarif", "nginx:1"],
            "imagepin inspect: error: argument --format: invalid choice: 'sarif'",
        ),
    ],
)
def test_an_option_a_command_does_not_take_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    usage, error = err.splitlines()[0], err.splitlines()[-1]
    assert usage.startswith(f"usage: imagepin {argv[0]} ")
    assert error.startswith(message)


def test_inspect_help_offers_only_its_formats() -> None:
    text = subparsers()["inspect"].format_help()
    for other in ("sarif", "github", "markdown", "gitlab", "text"):
        assert other not in text.split("--format", 1)[1].split("\n", 1)[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_is_explained(command: str) -> None:
    parser = subparsers()[command]
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, (command, action.dest)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_summary_and_an_example(command: str) -> None:
    parser = subparsers()[command]
    summary = parser.description.split("\n", 1)[0]  # type: ignore[union-attr]
    assert summary.endswith(".") and 20 < len(summary) < 100
    assert parser.epilog is not None and parser.epilog.startswith("examples:\n")
    examples = parser.epilog.splitlines()[1:]
    assert examples and all(line.startswith(f"  imagepin {command}") for line in examples)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_commands_details_are_wrapped_at_78_columns(command: str) -> None:
    """Given wrapped in the source (importing textwrap at every start-up costs more)."""
    import textwrap

    description = subparsers()[command].description
    assert description is not None
    _, _, details = description.partition("\n\n")
    assert details == textwrap.fill(details, width=78)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_listed_with_its_summary(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--help"]) == 0
    listing = " ".join(capsys.readouterr().out.split())
    summary = subparsers()[command].description.split("\n", 1)[0].rstrip(".")  # type: ignore[union-attr]
    assert f"{command} {summary}" in listing


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_exits_0(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: imagepin {command} ")


@pytest.mark.parametrize("columns", [None, "120", "0", "-5", "wide", ""])
@pytest.mark.parametrize("lines", [None, "40"])
def test_help_is_as_wide_as_shutil_says(
    monkeypatch: pytest.MonkeyPatch, columns: str | None, lines: str | None
) -> None:
    """The help formatter measures the terminal without importing shutil, the same way."""
    import shutil

    for name, value in (("COLUMNS", columns), ("LINES", lines)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert terminal_columns() == shutil.get_terminal_size().columns
