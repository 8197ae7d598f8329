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


def set_up_line() -> str:
    (line,) = [b for b in blocks("sh") if b.startswith("python3 -m venv")]
    return line


def test_the_set_up_line_makes_a_venv_and_installs_into_it() -> None:
    """PEP 668: the system Python refuses `pip install`. The venv is made without pip (no
    python3-venv needed for that), gets pip from ensurepip (python3-venv) or else from the
    system's pip (`pip --python`), and installs imagepin with its own pip."""
    assert set_up_line() == (
        "python3 -m venv --without-pip .venv && "
        "{ .venv/bin/python -m ensurepip --default-pip >/dev/null 2>&1 || "
        "python3 -m pip --python .venv/bin/python install --quiet pip; } && "
        ".venv/bin/python -m pip install --quiet . && "
        ".venv/bin/imagepin check --offline examples/\n"
    )


def _shell(command: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``command`` in sh, with this Python's environment's ``python3`` first on PATH."""
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    return subprocess.run(
        ["sh", "-c", command],
        cwd=cwd,
        env={"PATH": path, "HOME": str(cwd)} | environ,
        capture_output=True,
        text=True,
        check=False,
    )


def _has_pip(python: Path) -> bool:
    return subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0


def test_the_set_up_line_leaves_a_venv_with_pip(tmp_path: Path) -> None:
    """The line as pasted, up to installing imagepin: `make test` reuses this .venv, so it
    must have pip of its own."""
    make_venv = set_up_line().partition(" && .venv/bin/python -m pip install")[0]
    done = _shell(make_venv, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert _has_pip(tmp_path / ".venv" / "bin" / "python")


def test_make_gives_a_venv_without_pip_its_pip(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    assert not _has_pip(venv / "bin" / "python")
    done = _shell(f"make -s -C {ROOT} pip VENV={venv}", tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert _has_pip(venv / "bin" / "python")


def test_make_says_what_to_install_when_no_pip_can_be_had(tmp_path: Path) -> None:
    """Neither ensurepip (python3-venv) nor a system pip (python3-pip)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    (tmp_path / "ensurepip").mkdir()
    (tmp_path / "ensurepip" / "__init__.py").write_text("")
    (tmp_path / "ensurepip" / "__main__.py").write_text("raise SystemExit(1)\n")
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python3").write_text("#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n")
    (bare / "python3").chmod(0o755)
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "pip", f"VENV={venv}"],
        env={"PATH": f"{bare}:/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout.endswith(
        f"{venv}/bin/python has no pip, and neither ensurepip nor a system pip can give it "
        "one: apt-get install python3-venv (or python3-pip)\n"
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


def test_make_test_runs_pytest_in_parallel(tmp_path: Path) -> None:
    """The README's test command: lint, then pytest with one xdist worker per core."""
    done = _shell(f"make -n -C {ROOT} test PYTHON=python", tmp_path)
    commands = [line for line in done.stdout.splitlines() if " -m " in line]
    assert [c.split(" -m ", 1)[1].split()[0] for c in commands][-5:] == [
        "pip",
        "ruff",
        "ruff",
        "mypy",
        "pytest",
    ]
    assert commands[-1].endswith(" -n auto")


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_docs_stand_alone(doc: Path) -> None:
    """Every relative link leads to a file of the repository, and no document sends its
    reader to a file outside it (the `shared` checkout is test data: only the corpus the
    benchmarks and tests read is named)."""
    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not target.startswith(("http://", "https://", "#")):
            assert (doc.parent / target.partition("#")[0]).exists(), target
    assert "PRODUCT.md" not in text
    assert set(re.findall(r"\.\./shared/[\w.-]+", text)) <= {"../shared/corpus"}
