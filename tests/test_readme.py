"""The README works when copied: the console example is what imagepin prints, the set-up
line creates a venv and installs (PEP 668), and the options it names exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from linter.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)


def test_the_console_example_is_what_imagepin_prints() -> None:
    (example,) = [
        b for b in blocks("console") if b.startswith("$ imagepin check --offline examples/")
    ]
    command, _, rest = example.partition("\n")
    shown, _, status = rest.partition("$ echo $?\n")
    done = subprocess.run(
        [sys.executable, "-m", "linter", *command.removeprefix("$ imagepin ").split()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert (done.stdout, f"{done.returncode}\n", done.stderr) == (shown, status, "")


def test_the_set_up_line_makes_a_venv_and_installs_into_it() -> None:
    """PEP 668: the system Python refuses `pip install`; a venv made without pip (no
    python3-venv needed) and the system pip installing into it (`pip --python`)."""
    (line,) = [b for b in blocks("sh") if b.startswith("python3 -m venv")]
    assert line == (
        "python3 -m venv --without-pip .venv && "
        "python3 -m pip --python .venv/bin/python install --quiet . && "
        ".venv/bin/imagepin check --offline examples/\n"
    )


@pytest.mark.parametrize(
    "option",
    sorted(
        set(re.findall(r"`(--[a-z][a-z-]+)", README))
        - {"--freeze", "--all-files", "--python", "--without-pip", "--quiet"}
    ),
)
def test_every_option_the_readme_names_exists(option: str) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    accepted = {o for sub in commands.choices.values() for o in sub._option_string_actions}  # type: ignore[attr-defined]
    assert option in accepted | {"--version", "--help"}
