"""action.yml: its shape, and its steps run as GitHub would run them, against the fake GitHub.

The steps run in bash with ``imagepin`` on PATH (a shim for ``python -m linter``
instead of the pip install step); the install step itself is not run here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fake_github import FakeGitHub, serve
from report_factory import GOLDEN
from ruamel.yaml import YAML
from test_github_comment import app_patch, apply_suggestions, patches, suggested, write_event

from linter.report import markdown

ROOT = Path(__file__).resolve().parents[1]
ACTION = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
INPUTS = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
_EXPRESSION = re.compile(r"\$\{\{\s*(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}")


def test_inputs() -> None:
    assert {"paths", "fail-on", "comment", "suggestions", "sarif-file"} <= set(ACTION["inputs"])
    assert INPUTS["fail-on"] == "error"
    assert INPUTS["comment"] == "true"
    assert INPUTS["suggestions"] == "false"
    assert INPUTS["sarif-file"].endswith(".sarif")


def test_the_description_lists_every_format() -> None:
    """Every format of the README's table (its first column) is named."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Formats", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    formats = [row.split("|")[1].strip() for row in table.splitlines()[2:]]
    assert len(formats) >= 9, formats
    words = " ".join(ACTION["description"].split()).lower()
    for name in formats:
        assert name.lower() in words, name


def test_steps() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert list(STEPS) == [
        "Validate inputs",
        "Cache pip downloads and registry answers",
        "Install imagepin",
        "Check images",
        "Comment on the pull request",
        "Gate",
    ]
    scripts = [step for step in ACTION["runs"]["steps"] if "run" in step]
    assert all(step["shell"] == "bash" for step in scripts)
    assert "pip install" in STEPS["Install imagepin"]["run"]
    # One run writes the annotations, the JSON and the SARIF, and decides the exit status.
    assert [s["name"] for s in scripts if "imagepin check" in s["run"]] == ["Check images"]
    assert "--fail-on" in STEPS["Check images"]["run"]
    assert "linter." not in " ".join(step.get("run", "") for step in scripts)


def test_caches_pip_downloads_and_the_registry_cache_keyed_on_the_version() -> None:
    cache = STEPS["Cache pip downloads and registry answers"]
    assert cache["uses"].startswith("actions/cache@v")
    paths = cache["with"]["path"].splitlines()
    assert paths == ["${{ runner.temp }}/imagepin-pip", "${{ runner.temp }}/imagepin-cache"]
    assert "${{ steps.inputs.outputs.version }}" in cache["with"]["key"]
    assert 'PIP_CACHE_DIR="$RUNNER_TEMP/imagepin-pip"' in STEPS["Install imagepin"]["run"]
    assert '--cache-dir "$RUNNER_TEMP/imagepin-cache"' in STEPS["Check images"]["run"]


def test_inputs_never_reach_a_script_unquoted() -> None:
    """Expressions in ``run:`` are script injection; inputs go through ``env:``."""
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def test_the_comment_step_gets_the_token() -> None:
    step = STEPS["Comment on the pull request"]
    assert step["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
    assert "github.event.pull_request" in step["if"]


def _expand(value: str, inputs: Mapping[str, str], env: Mapping[str, str]) -> str:
    """``${{ inputs.x }}``, and ``${{ steps.id.outputs.x }}`` from $GITHUB_OUTPUT."""

    def value_of(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        return step_outputs(env).get(expression.rpartition(".")[2], "")

    return _EXPRESSION.sub(value_of, value)


def step_outputs(env: Mapping[str, str]) -> dict[str, str]:
    """What the steps run so far wrote to $GITHUB_OUTPUT (one file in these tests)."""
    path = Path(env["GITHUB_OUTPUT"])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


def run_step(
    name: str, inputs: Mapping[str, str], env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run one step's script the way the runner does (``bash --noprofile --norc -eo pipefail``)."""
    step = STEPS[name]
    step_env = {key: _expand(str(value), inputs, env) for key, value in step.get("env", {}).items()}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env={**env, **step_env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    """The runner's environment, with ``imagepin`` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "imagepin"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m linter "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
        "RUNNER_TEMP": str(temp),
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_SERVER_URL": "https://github.com",
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(GOLDEN / "action" / "repo", tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture
def fake(repo: Path, runner: dict[str, str]) -> Iterator[FakeGitHub]:
    with serve(files=patches(repo)) as server:
        write_event(Path(runner["GITHUB_EVENT_PATH"]), server, server.repository)
        runner.update(
            GITHUB_REPOSITORY=server.repository, GITHUB_API_URL=server.url, GITHUB_SHA="f" * 40
        )
        yield server


@pytest.mark.parametrize(
    ("inputs", "errors"),
    [
        (
            {"fail-on": "warn"},
            ["::error title=imagepin::input fail-on is 'warn': use error, warning, info or never"],
        ),
        (
            {"comment": "yes", "suggestions": "1"},
            [
                "::error title=imagepin::input comment is 'yes': use true or false",
                "::error title=imagepin::input suggestions is '1': use true or false",
            ],
        ),
        (
            {"paths": " \n "},
            ["::error title=imagepin::input paths is empty: give files or directories, e.g. ."],
        ),
        (
            {"sarif-file": "json=x"},
            ["::error title=imagepin::input sarif-file is 'json=x': a file name cannot hold '='"],
        ),
    ],
)
def test_inputs_are_validated_first(
    repo: Path, runner: dict[str, str], inputs: dict[str, str], errors: list[str]
) -> None:
    runner["GITHUB_ACTION_PATH"] = str(ROOT)
    done = run_step("Validate inputs", {**INPUTS, **inputs}, runner, repo)
    assert (done.returncode, done.stdout.splitlines()) == (2, errors)


def test_valid_inputs_give_the_version_for_the_cache_key(
    repo: Path, runner: dict[str, str]
) -> None:
    runner["GITHUB_ACTION_PATH"] = str(ROOT)
    done = run_step("Validate inputs", {**INPUTS, "fail-on": "info"}, runner, repo)
    assert (done.returncode, done.stdout) == (0, "")
    from linter import __version__

    assert step_outputs(runner) == {"version": __version__}


@pytest.mark.parametrize(
    ("fail_on", "status"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_check_and_gate_steps(
    repo: Path, runner: dict[str, str], fail_on: str, status: int
) -> None:
    """One run writes the annotations, the JSON and the SARIF; the gate exits with its
    status after the comment step, whatever it was."""
    inputs = {**INPUTS, "fail-on": fail_on, "args": "--offline"}
    checked = run_step("Check images", inputs, runner, repo)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("::error file=compose.yaml,")
    report = json.loads((Path(runner["RUNNER_TEMP"]) / "imagepin.json").read_text())
    assert len(report["findings"]) == 6
    sarif = json.loads((repo / INPUTS["sarif-file"]).read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 6
    assert step_outputs(runner) == {"errors": "6", "warnings": "0", "status": str(status)}
    gate = run_step("Gate", inputs, runner, repo)
    assert gate.returncode == status
    if status:
        assert gate.stdout == (
            f"::error title=imagepin::findings at fail-on level '{fail_on}' or above remain "
            "(or files could not be linted)\n"
        )


def test_a_usage_error_stops_at_the_check_step(repo: Path, runner: dict[str, str]) -> None:
    inputs = {**INPUTS, "args": "--offline --select IMG999"}
    checked = run_step("Check images", inputs, runner, repo)
    assert checked.returncode == 2
    assert "unknown rule 'IMG999'" in checked.stderr


def test_comment_step_on_a_json_report(
    fake: FakeGitHub, repo: Path, runner: dict[str, str]
) -> None:
    shutil.copy(GOLDEN / "action" / "imagepin.json", Path(runner["RUNNER_TEMP"]) / "imagepin.json")
    inputs = {**INPUTS, "suggestions": "true", "token": fake.token}
    commented = run_step("Comment on the pull request", inputs, runner, repo)
    assert commented.returncode == 0, commented.stderr
    assert fake.problems == []
    (posted,) = fake.issue_comments
    assert posted["body"] == (GOLDEN / "action" / "comment.md").read_text(encoding="utf-8")
    assert len(fake.review_comments) == 5


def test_all_steps_against_a_real_registry(
    fake: FakeGitHub, repo: Path, runner: dict[str, str], plain_registry: Any, tmp_path: Path
) -> None:
    """The acceptance test: check, annotate, SARIF, comment and gate; then fix for comparison."""
    app = repo / "deploy" / "app.yaml"
    app.write_text(
        app.read_text(encoding="utf-8")
        .replace("nginx:1.27", plain_registry.ref("library/nginx", "1.27"))
        .replace('"redis"', f'"{plain_registry.ref("app/multi", "1.0")}"')
        .replace("ghcr.io/acme/migrate:2.0", plain_registry.ref("app/oci", "1.0")),
        encoding="utf-8",
    )
    for other in ("compose.yaml", "kustomization.yaml"):
        (repo / other).unlink()
    fake.files = {"deploy/app.yaml": app_patch(repo)}
    inputs = {**INPUTS, "paths": "deploy", "suggestions": "true", "token": fake.token}
    for name in ("Check images", "Comment on the pull request"):
        done = run_step(name, inputs, runner, repo)
        assert done.returncode == 0, f"{name}: {done.stderr}"
    assert run_step("Gate", inputs, runner, repo).returncode == 1
    assert fake.problems == []
    (posted,) = fake.issue_comments
    assert posted["body"].startswith(markdown.MARKER)
    assert "❌ **imagepin found 3 errors**" in posted["body"]
    sarif = json.loads((repo / INPUTS["sarif-file"]).read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 3
    assert (
        Path(runner["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8").startswith(markdown.MARKER)
    )

    reviewed = suggested(fake, "deploy/app.yaml")
    assert [line for line, _ in reviewed] == [10, 12]
    fixed = tmp_path / "fixed"
    shutil.copytree(repo, fixed)
    fix = subprocess.run(
        ["imagepin", "fix", "deploy"], cwd=fixed, env=runner, capture_output=True, timeout=120
    )
    assert fix.returncode == 1, fix.stderr  # 1: files were rewritten
    fixed_lines = (fixed / "deploy" / "app.yaml").read_text(encoding="utf-8").split("\n")
    original = app.read_text(encoding="utf-8")
    applied = apply_suggestions(original, reviewed).split("\n")
    # The suggestions cover the diff's lines; fix also pins the line outside it (15).
    assert applied[:14] == fixed_lines[:14]
    assert applied[14] == original.split("\n")[14] != fixed_lines[14]
