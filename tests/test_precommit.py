"""Every hook of .pre-commit-hooks.yaml under the real pre-commit framework, in a temporary
git repository whose configuration names this checkout (tests/hook_repository.py):
``imagepin-offline``, the default ``imagepin`` (online, against the real
registry on loopback) and ``imagepin-fix``; YAML, a Dockerfile, and a ``.dockerignore``
that pre-commit hands to the hooks because identify tags it ``dockerfile``.
(tests/test_fix_e2e.py runs ``imagepin-fix`` on a manifest as well.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import RegistryEnv
from hook_repository import HookRepository
from identify.identify import tags_from_path
from registry_server import Registry, build_image

PINNED = "nginx:1.27@sha256:" + "a" * 64
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n"
    "spec:\n  containers:\n    - name: web\n      image: {image}\n"
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    return repo


def test_offline_hook_fails_on_unpinned_and_passes_on_pinned(
    repo: Path, hooks: HookRepository
) -> None:
    manifest = repo / "deploy.yaml"
    manifest.write_text(POD.format(image="nginx:1.27"))
    (repo / "notes.txt").write_text("image: nginx:1.27\n")  # not YAML: the hook never sees it

    failing = hooks.run(repo, "imagepin-offline")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "deploy.yaml:7:14: IMG001 [unpinned-tag]" in failing.stdout
    assert "notes.txt" not in failing.stdout

    manifest.write_text(POD.format(image=PINNED))
    passing = hooks.run(repo, "imagepin-offline")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout


def test_default_hook_checks_online_against_the_registry(
    repo: Path, hooks: HookRepository, registry_env: RegistryEnv, plain_registry: Registry
) -> None:
    """The default hook resolves: it suggests the registry's digest for a tag, passes the
    right pin, and fails a pin the registry does not have (which offline would pass)."""
    digest = plain_registry.push("hooks/online", "1.0", build_image("hooks-online"))
    image = plain_registry.ref("hooks/online", "1.0")
    manifest = repo / "deploy.yaml"

    manifest.write_text(POD.format(image=image))
    unpinned = hooks.run(repo, "imagepin")
    assert unpinned.returncode == 1, unpinned.stdout + unpinned.stderr
    assert "deploy.yaml:7:14: IMG001 [unpinned-tag]" in unpinned.stdout
    assert f"pin: {image}@{digest}" in unpinned.stdout
    assert manifest.read_text() == POD.format(image=image)  # the check hook writes nothing

    manifest.write_text(POD.format(image=f"{image}@{digest}"))
    pinned = hooks.run(repo, "imagepin")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr

    missing = "sha256:" + "0" * 64
    manifest.write_text(POD.format(image=f"{image}@{missing}"))
    wrong = hooks.run(repo, "imagepin")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "deploy.yaml:7:14: IMG004 [not-found]" in wrong.stdout
    offline = hooks.run(repo, "imagepin-offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr


def test_a_dockerfile_and_its_dockerignore_through_every_hook(
    repo: Path, hooks: HookRepository, registry_env: RegistryEnv, plain_registry: Registry
) -> None:
    digest = plain_registry.push("hooks/base", "2.0", build_image("hooks-base"))
    image = plain_registry.ref("hooks/base", "2.0")
    dockerfile = repo / "docker" / "app.Dockerfile"
    ignore = repo / "docker" / "app.Dockerfile.dockerignore"
    dockerfile.parent.mkdir()
    dockerfile.write_text(f"FROM {image} AS base\nRUN true\n")
    ignore.write_text("node_modules\n*.log\n")
    # The point of the case: pre-commit passes the .dockerignore to hooks typed dockerfile.
    assert "dockerfile" in tags_from_path(str(ignore))

    offline = hooks.run(repo, "imagepin-offline")
    assert offline.returncode == 1, offline.stdout + offline.stderr
    assert "docker/app.Dockerfile:1:6: IMG001 [unpinned-tag]" in offline.stdout
    assert "IMG000" not in offline.stdout and ".dockerignore" not in offline.stdout

    online = hooks.run(repo, "imagepin")
    assert online.returncode == 1, online.stdout + online.stderr
    assert f"pin: {image}@{digest}" in online.stdout
    assert "IMG000" not in online.stdout and ".dockerignore" not in online.stdout

    fixed = hooks.run(repo, "imagepin-fix")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # files were modified
    assert "files were modified by this hook" in fixed.stdout
    assert dockerfile.read_text() == f"FROM {image}@{digest} AS base\nRUN true\n"
    assert ignore.read_text() == "node_modules\n*.log\n"
    for hook in ("imagepin-fix", "imagepin", "imagepin-offline"):
        again = hooks.run(repo, hook)
        assert again.returncode == 0, (hook, again.stdout + again.stderr)
