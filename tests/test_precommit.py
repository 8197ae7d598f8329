"""The hooks under the real pre-commit framework, in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PINNED = "nginx:1.27@sha256:" + "a" * 64


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed for the pre-commit tests")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    return repo


def _try_repo(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT), hook, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_offline_hook_fails_on_unpinned_and_passes_on_pinned(repo: Path, tmp_path: Path) -> None:
    manifest = repo / "deploy.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
        "spec:\n  containers:\n    - name: web\n      image: nginx:1.27\n"
    )
    (repo / "notes.txt").write_text("image: nginx:1.27\n")  # not YAML: the hook never sees it
    _git(repo, "add", ".")
    home = tmp_path / "pre-commit-home"

    failing = _try_repo(repo, "imagepin-offline", home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "deploy.yaml:7:14: IMG001 [unpinned-tag]" in failing.stdout
    assert "notes.txt" not in failing.stdout

    manifest.write_text(manifest.read_text().replace("nginx:1.27", PINNED))
    _git(repo, "add", ".")
    passing = _try_repo(repo, "imagepin-offline", home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
