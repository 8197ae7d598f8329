"""This checkout as pre-commit meets a hook repository, for the hook tests.

``pre-commit try-repo`` builds the hooks' environment in a temporary store on every
call (about 10 s of pip each), so the tests do what a user's repository does instead:
a ``.pre-commit-config.yaml`` naming a repository and a ``rev``, and ``pre-commit run``
with one ``PRE_COMMIT_HOME`` for the whole test process, so the environment is built
once. The repository is a clone whose last commit holds the working tree's tracked
files as they are now, uncommitted changes included, as try-repo's shadow repository
does: the hooks tested are the code under test, not the last commit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
HOOKS = ("imagepin", "imagepin-offline", "imagepin-fix")


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


class HookRepository:
    """A pre-commit configuration naming this checkout's hooks, and the store to run it."""

    def __init__(self, root: Path) -> None:
        clone = root / "imagepin"
        _git(root, "clone", "-q", "--no-checkout", str(PROJECT), str(clone))
        _git(clone, "checkout", "-q", _git(PROJECT, "rev-parse", "HEAD"))
        # The working tree's tracked files as they are now, staged and committed.
        _git(clone, f"--work-tree={PROJECT}", "add", "-u")
        identity = ("-c", "user.name=imagepin tests", "-c", "user.email=tests@example.com")
        _git(clone, *identity, "commit", "-q", "--allow-empty", "-m", "the working tree")
        hooks = "".join(f"  - id: {hook}\n" for hook in HOOKS)
        rev = _git(clone, "rev-parse", "HEAD")
        self.config = root / "pre-commit-config.yaml"
        self.config.write_text(f"repos:\n- repo: {clone}\n  rev: {rev}\n  hooks:\n{hooks}")
        self.home = root / "pre-commit-home"

    def run(self, repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
        """``pre-commit run HOOK --all-files`` in ``repo``, its files staged first; the
        environment is the test's (``registry_env`` isolates it when set)."""
        _git(repo, "add", ".")
        command = ["run", "--config", str(self.config), hook, "--all-files"]
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *command],
            cwd=repo,
            env={**os.environ, "PRE_COMMIT_HOME": str(self.home), "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=600,
        )
