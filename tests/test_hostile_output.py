"""No injection through any text imagepin prints, and ``fix --diff`` is a faithful patch.

* No output line, once its leading whitespace is trimmed (a CI runner trims before it
  looks), starts a GitHub workflow command that imagepin did not mean: a file named
  ``::warning title=X::a.yaml`` is never an annotation.
* File names and registry text reach no terminal with a raw control character (ESC,
  BEL, CR, LF) in any command or format; the JSON formats escape them as JSON does.
* For every changed file, ``git apply`` and ``patch -p1`` reproduce what ``fix`` writes,
  byte for byte: names with spaces (a tab ends them), line breaks, control characters,
  quotes and non-ASCII (git's quoting); CRLF, a missing final newline, a byte order
  mark. A UTF-16 file gets a clear refusal instead of a patch that cannot apply.

Each run is a subprocess under tests/hostile_process.py's limits, against the real
``docker-registry`` (tests/conftest.py) and the hostile server.
"""

from __future__ import annotations

import codecs
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_process import Finished, run_imagepin
from hostile_server import HostileRegistry
from registry_server import Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
#: A workflow command as the runner reads a (trimmed) line: ``::name props::message``.
COMMAND = re.compile(r"::([^\s:]+)(?: ([^:]*))?::")


def pod(*images: str, newline: str = "\n") -> str:
    containers = "".join(f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images))
    return (POD + containers).replace("\n", newline)


def commands(output: str) -> list[tuple[str, str]]:
    """(name, properties) of each line the runner would read as a workflow command."""
    found = []
    for line in output.split("\n"):
        match = COMMAND.match(line.lstrip())
        if match:
            found.append((match.group(1), match.group(2) or ""))
    return found


def assert_no_raw_control(done: Finished) -> None:
    for name, text in (("stdout", done.out), ("stderr", done.err)):
        raw = sorted({c for c in text if not c.isprintable() and c not in "\n"})
        assert raw == [], f"raw {raw} on {name}: {text!r}"


# --- workflow commands ---------------------------------------------------------------------------

HOSTILE_NAME = "::warning title=X::a.yaml"


def test_a_file_name_never_becomes_an_annotation(tmp_path: Path) -> None:
    """Eleven findings in a file named like a workflow command: ten annotations, the
    rest plain log lines, none of which the runner reads as a command."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / HOSTILE_NAME).write_text(pod(*(f"nginx:1.{i}" for i in range(12))))
    env = {"GITHUB_ACTIONS": "true"}
    for fmt in ("github", "text", "markdown"):
        done = run_imagepin(["check", "--offline", "--format", fmt, "."], cwd=repo, env=env)
        assert done.code == 1
        found = commands(done.out) + commands(done.err)
        # Only imagepin's own annotations, each with its own title, none titled X.
        assert all(name == "error" and "title=IMG001 " in props for name, props in found), found
        assert len(found) == (10 if fmt == "github" else 0)
        if fmt != "markdown":
            assert "./::warning title=X::a.yaml:" in done.out


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
def test_registry_text_and_names_never_start_a_command_or_reach_the_terminal_raw(
    fmt: str, hostile: HostileRegistry, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    name = "::error::evil\x1b[2J\x07\r.yaml"
    (repo / name).write_text(pod(hostile.ref("error-loud")))
    done = run_imagepin(["check", "--no-cache", "--format", fmt, "."], cwd=repo)
    assert done.code == 1
    assert_no_raw_control(done)
    found = commands(done.out) + commands(done.err)
    assert all(name in ("error", "warning") and "title=IMG" in props for name, props in found)


def test_resolve_and_inspect_escape_what_the_registry_says(
    hostile: HostileRegistry, tmp_path: Path
) -> None:
    ref = hostile.ref("error-loud")
    for argv in (["resolve", ref], ["resolve", "--format", "json", ref], ["inspect", ref]):
        done = run_imagepin([*argv, "--no-cache"], cwd=tmp_path)
        assert done.code == 1
        assert_no_raw_control(done)
        assert "\\x1b[31mMANIFEST_UNKNOWN" in done.err
        assert commands(done.out) + commands(done.err) == []


def test_show_files_and_show_settings_escape_names_and_values(tmp_path: Path) -> None:
    """``--show-files`` prints each path at the start of a line, ``--show-settings`` the
    configuration's strings: neither starts a command or prints a control character raw,
    and the settings stay TOML that reads back to the same values."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (HOSTILE_NAME, " ::error::b.yaml", "e\x1b[2J\x07\r.yaml", "x\n::error::y.yaml"):
        (repo / name).write_text(pod("nginx:1.27"))
    (repo / ".imagepin.toml").write_text(
        'exclude = ["a\\u001b[2J\\u0085\\u2028", "caf\u00e9"]\n'
        '[mirrors]\n"\\n::error::m" = ["mirror.example"]\n',
        encoding="utf-8",
    )
    env = {"GITHUB_ACTIONS": "true"}
    files = run_imagepin(["check", "--show-files", "."], cwd=repo, env=env)
    settings = run_imagepin(["check", "--show-settings", "."], cwd=repo, env=env)
    for done in (files, settings):
        assert done.code == 0
        assert_no_raw_control(done)
        assert commands(done.out) + commands(done.err) == []
    assert "./::warning title=X::a.yaml  kubernetes" in files.out
    assert "e\\x1b[2J\\x07\\r.yaml" in files.out
    shown = tomllib.loads(settings.out)
    assert shown["exclude"] == ["a\x1b[2J\x85\u2028", "caf\u00e9"]
    assert shown["mirrors"] == {"\n::error::m": ["mirror.example"]}


# --- fix --diff is a faithful patch ------------------------------------------------------------

NAMES = [
    "plain.yaml",
    "with space.yaml",
    "line\nbreak.yaml",
    "esc\x1b[31m.yaml",
    "tab\there.yaml",
    'quote".yaml',
    "back\\slash.yaml",
    "caf\u00e9.yaml",
    HOSTILE_NAME,
]


def tree(repo: Path, image: str) -> dict[str, bytes]:
    """Files of every hard shape, with ``image`` unpinned in each; their bytes."""
    files: dict[str, bytes] = {name: pod(image).encode() for name in NAMES}
    files["crlf.yaml"] = pod(image, newline="\r\n").encode()
    files["no-final-newline.yaml"] = pod(image).rstrip("\n").encode()
    files["bom.yaml"] = codecs.BOM_UTF8 + pod(image).encode()
    files["sub dir/nested.yaml"] = pod(image, "redis:7").encode()
    files["utf-16.yaml"] = codecs.BOM_UTF16_LE + pod(image).encode("utf-16-le")
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    return files


def contents(repo: Path, names: list[str]) -> dict[str, bytes]:
    return {name: (repo / name).read_bytes() for name in names}


@pytest.mark.parametrize("actions", [False, True], ids=["terminal", "github-actions"])
def test_git_apply_and_patch_reproduce_fix_byte_for_byte(
    actions: bool, plain_registry: Registry, tmp_path: Path
) -> None:
    image = plain_registry.ref("app/oci", "1.0")
    repo = tmp_path / "repo"
    repo.mkdir()
    before = tree(repo, image)
    env = {"GITHUB_ACTIONS": "true"} if actions else {}
    shown = run_imagepin(["fix", "--diff", "--no-cache", "."], cwd=repo, env=env)
    assert shown.code == 1
    assert contents(repo, list(before)) == before  # --diff writes nothing
    patch = tmp_path / "fix.patch"
    patch.write_bytes(shown.out.encode("utf-8", "surrogateescape"))
    if actions:
        # Fenced: inside, no line of a file can act as a command.
        first, *_, last = shown.out.rstrip("\n").split("\n")
        token = first.removeprefix("::stop-commands::")
        assert first.startswith("::stop-commands::") and last == f"::{token}::"
    # The UTF-16 file has no text patch: said so, and fix writes it.
    assert "utf-16.yaml: not shown: a UTF-16-LE file" in shown.err
    copies = {}
    for tool, command in (
        ("git", ["git", "apply", "--unsafe-paths", str(patch)]),
        ("patch", ["patch", "-p1", "--batch", "-i", str(patch)]),
    ):
        copies[tool] = copy = tmp_path / tool
        shutil.copytree(repo, copy)
        applied = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
        assert applied.returncode == 0, (tool, applied.stdout, applied.stderr)
    fixed = run_imagepin(["fix", "--no-cache", "."], cwd=repo)
    assert fixed.code == 1
    after = contents(repo, list(before))
    assert {name for name in before if after[name] != before[name]} == set(before)
    for tool, copy in copies.items():
        patched = contents(copy, list(before))
        assert patched["utf-16.yaml"] == before["utf-16.yaml"]
        differs = sorted(n for n in before if n != "utf-16.yaml" and patched[n] != after[n])
        assert differs == [], (tool, differs)


def test_diff_reports_on_stderr_what_it_leaves(plain_registry: Registry, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    image = plain_registry.ref("app/oci", "1.0")
    # An escape in a double-quoted scalar: not rewritten in place; a missing image.
    text = pod(
        image, '"' + image.replace(":", "\\x3a", 1) + '"', plain_registry.ref("app/none", "1")
    )
    (repo / "pod.yaml").write_text(text)
    done = run_imagepin(["fix", "--diff", "--no-cache", "pod.yaml"], cwd=repo)
    assert done.code == 1
    assert done.out.startswith("--- a/pod.yaml\n+++ b/pod.yaml\n")
    assert "pod.yaml:8:12: IMG001 [unpinned-tag]" in done.err
    assert "cannot be rewritten in place" in done.err and "not fixed" in done.err
    assert "pod.yaml:10:12: IMG004 [not-found]" in done.err
    assert "fixed" not in done.err.replace("not fixed", "")
    (repo / "all.yaml").write_text(pod(image))
    quiet = run_imagepin(["fix", "--diff", "--no-cache", "all.yaml"], cwd=repo)
    assert (quiet.code, quiet.err) == (1, "")
    run_imagepin(["fix", "--diff", "--no-cache", "-o", "json=report.json", "all.yaml"], cwd=repo)
    assert json.loads((repo / "report.json").read_text())["fixed_files"] == ["all.yaml"]
