"""What a person at a terminal sees, through the real process (``python -m linter``):
colour on a TTY (findings and ``fix --diff``), control characters escaped, Ctrl-C,
and an internal error. The terminal is a real pseudo-terminal (pty), not a flag.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_server import HostileRegistry
from registry_server import Image, Registry

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
#: An ANSI SGR sequence (colour, bold, reset): what rich writes around styled text.
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A terminal user's environment: colour allowed, nothing from this machine's config."""
    drop = {"NO_COLOR", "FORCE_COLOR", "CI", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    keep = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    return {
        **keep,
        "TERM": "xterm-256color",
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
        "GITHUB_ACTIONS": "",
    }


def on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run imagepin with its stdout on a pseudo-terminal: (exit code, what the terminal
    got with the tty's CRLF made LF again, stderr)."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "linter", *argv],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    os.close(secondary)
    chunks = []
    with os.fdopen(primary, "rb", buffering=0) as terminal:
        while True:
            try:
                chunk = terminal.read(65536)
            except OSError:  # EIO: the process closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
    assert process.stderr is not None
    err = process.stderr.read().decode()
    process.wait()
    return process.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), err


def piped(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linter", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_findings_are_coloured_on_a_terminal_and_plain_in_a_pipe(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(image="nginx:1.27"), encoding="utf-8")
    code, shown, err = on_a_terminal(["check", "--offline", "pod.yaml"], tmp_path, env)
    plain = piped(["check", "--offline", "pod.yaml"], tmp_path, env)
    assert (code, err, plain.returncode, plain.stderr) == (1, "", 1, "")
    # The rule id in bold red, the location bold, the name dim; nothing else differs.
    assert "\x1b[1;31mIMG001 \x1b[0m" in shown
    assert "\x1b[1mpod.yaml:6:12: \x1b[0m" in shown
    assert "\x1b[2m[unpinned-tag] \x1b[0m" in shown
    assert SGR.sub("", shown) == plain.stdout
    assert not SGR.search(plain.stdout)


@pytest.mark.parametrize(
    ("option", "variable", "coloured"),
    [
        ("--color=never", None, False),
        (None, "NO_COLOR", False),
        ("--color=always", "NO_COLOR", True),  # asked for explicitly
    ],
)
def test_colour_can_be_turned_off_and_forced(
    tmp_path: Path, env: dict[str, str], option: str | None, variable: str | None, coloured: bool
) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(image="nginx:1.27"), encoding="utf-8")
    if variable:
        env[variable] = "1"
    argv = ["check", "--offline", *([option] if option else []), "pod.yaml"]
    _, shown, _ = on_a_terminal(argv, tmp_path, env)
    assert bool(SGR.search(shown)) is coloured


@pytest.fixture
def pinnable(tmp_path: Path, plain_registry: Registry) -> Path:
    image = plain_registry.ref("library/nginx", "1.27")
    (tmp_path / "pod.yaml").write_text(POD.format(image=image), encoding="utf-8")
    return tmp_path


def test_fix_diff_is_coloured_on_a_terminal_and_writes_nothing(
    pinnable: Path, env: dict[str, str], registry_catalog: dict[str, Image]
) -> None:
    before = (pinnable / "pod.yaml").read_bytes()
    argv = ["fix", "--diff", "--no-cache", "pod.yaml"]
    code, shown, err = on_a_terminal(argv, pinnable, env)
    plain = piped(argv, pinnable, env)
    assert (code, err) == (plain.returncode, plain.stderr) == (1, "")
    assert (pinnable / "pod.yaml").read_bytes() == before
    removed = next(line for line in plain.stdout.splitlines() if line.startswith("-    image:"))
    added = next(line for line in plain.stdout.splitlines() if line.startswith("+    image:"))
    assert added.endswith("@" + registry_catalog["library/nginx:1.27"].digest)
    # The same diff, with the removed line and the added one each wrapped in a colour.
    assert SGR.sub("", shown) == plain.stdout
    for line in (removed, added):
        (styled,) = [s for s in shown.splitlines() if SGR.sub("", s) == line]
        assert styled.startswith("\x1b[") and styled != line
    assert not SGR.search(plain.stdout)


def test_control_characters_in_names_and_images_are_escaped(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A file name or an image may carry ESC, CR, BEL or a C1 CSI: the terminal gets them
    escaped, never raw (a raw ESC [2J would clear the screen)."""
    name = "evil\x1b[2J\r.yaml"
    image = '"nginx\\a:1\\u009b"'  # YAML escapes: BEL, and U+009B (CSI)
    (tmp_path / name).write_text(
        POD.format(image=image) + "  - name: b\n    image: nginx:1.27\n", encoding="utf-8"
    )
    for colour in ("never", "always"):
        result = piped(["check", "--offline", f"--color={colour}", name], tmp_path, env)
        assert (result.returncode, result.stderr) == (1, "")
        text = SGR.sub("", result.stdout)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), text
        lines = text.splitlines()
        assert lines[0].startswith("evil\\x1b[2J\\r.yaml:6:12: IMG003 [invalid-reference] ")
        assert lines[0].endswith("'nginx\\x07:1\\x9b'")
        assert lines[1].startswith("evil\\x1b[2J\\r.yaml:8:12: IMG001 ")


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_with_one_line(
    tmp_path: Path, env: dict[str, str], hostile: HostileRegistry
) -> None:
    """SIGINT while a registry keeps the run waiting: exit 130, one line, no traceback."""
    (tmp_path / "pod.yaml").write_text(POD.format(image=hostile.ref("silent")), encoding="utf-8")
    before = len(hostile.requests_to("silent"))
    process = subprocess.Popen(
        [sys.executable, "-m", "linter", "check", "--no-cache", "pod.yaml"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As on a terminal: a suite started in the background (`make test &`) inherits
        # SIGINT ignored, and imagepin rightly keeps an inherited ignore.
        preexec_fn=_interruptible,
    )
    # Interrupted mid-request: once the registry has the request (pytest-timeout bounds it).
    while len(hostile.requests_to("silent")) == before:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate()
    assert (process.returncode, out, err) == (130, "", "imagepin: interrupted\n")


def test_a_ctrl_c_in_a_finalizer_is_not_lost() -> None:
    """Python only prints a KeyboardInterrupt raised in a finalizer ("Exception ignored", as
    when Ctrl-C lands in the import system's weakref callbacks during start-up), and the
    program goes on; imagepin's process delivers the interrupt again."""
    code = (
        "import sys, time\n"
        "from linter import cli\n"
        "sys.unraisablehook = cli._interrupts_kept(sys.unraisablehook)\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "Finalized()\n"
        "time.sleep(20)\n"
        "print('went on')\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=10,  # the sleep is longer: it runs out only if the interrupt was lost
            check=False,
            preexec_fn=_interruptible,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the interrupt was lost: the program slept on")
    assert "went on" not in result.stdout
    assert "KeyboardInterrupt" in result.stderr
    assert "Exception ignored" not in result.stderr


BROKEN = (
    "import linter.engine\n"
    "def run_check(*args, **kwargs):\n"
    "    raise RuntimeError('the engine broke')\n"
    "linter.engine.run_check = run_check\n"
    "from linter.cli import main\n"
    "main()\n"
)


@pytest.mark.parametrize("verbose", [False, True])
def test_an_internal_error_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], verbose: bool
) -> None:
    """A bug (here: the engine raising) ends the real process with exit 2 and one line;
    ``-v`` shows the traceback instead."""
    (tmp_path / "pod.yaml").write_text(POD.format(image="nginx:1.27"), encoding="utf-8")
    argv = ["check", "--offline", *(["-v"] if verbose else []), "pod.yaml"]
    result = subprocess.run(
        [sys.executable, "-c", BROKEN, *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == ""
    if verbose:
        assert result.returncode != 0
        assert "Traceback (most recent call last)" in result.stderr
        assert result.stderr.endswith("RuntimeError: the engine broke\n")
    else:
        assert result.returncode == 2
        assert result.stderr == "imagepin: internal error: RuntimeError: the engine broke\n"
