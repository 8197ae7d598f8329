"""``imagepin fix`` and online verification end to end, against a real registry on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import RegistryEnv
from examples_catalog import mirrors_toml, serve_examples
from hook_repository import HookRepository
from registry_server import Registry, build_image, multi_platform

from linter.cli import main

PROJECT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "fixtures" / "e2e" / "examples-fixed"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".imagepin.toml"
    }


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def run_text(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
    code = main([*argv, "-q", "--color", "never"])
    capsys.readouterr()
    return code


def findings(document: dict[str, object]) -> list[tuple[str, int, str]]:
    items = document["findings"]
    assert isinstance(items, list)
    return [(f["path"], f["line"], f["rule"]) for f in items]


@pytest.fixture
def examples(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry_env: RegistryEnv,
    plain_registry: Registry,
) -> Path:
    serve_examples(plain_registry)
    copy = tmp_path / "examples"
    # examples/policy, the CI gate, has images of its own: tests/test_policy_example.py.
    shutil.copytree(PROJECT / "examples", copy, ignore=shutil.ignore_patterns("policy"))
    (copy / ".imagepin.toml").write_text(mirrors_toml(plain_registry))
    monkeypatch.chdir(copy)
    return copy


def test_examples_fixed_exactly(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "fix", "-v")
    # Files were rewritten, and the invalid reference and the dynamic one remain.
    assert code == 1
    assert sorted(report["fixed_files"]) == [  # type: ignore[call-overload]
        "apps/jobs/cronjob.yaml",
        "apps/kustomization.yaml",
        "apps/web/deployment.yaml",
        "compose/docker-compose.yml",
        "platform/ingress.yaml",
    ]
    assert findings(report) == [
        ("apps/jobs/cronjob.yaml", 18, "IMG003"),
        ("compose/docker-compose.yml", 19, "IMG006"),
    ]
    assert report["registry_problems"] == []
    assert tree_bytes(examples) == tree_bytes(EXPECTED)

    # A second run changes nothing, and `check` agrees that all is pinned and current.
    code, again = run_json(capsys, "fix")
    assert (code, again["fixed_files"]) == (1, [])
    assert tree_bytes(examples) == tree_bytes(EXPECTED)
    code, checked = run_json(capsys, "check")
    assert findings(checked) == [("apps/jobs/cronjob.yaml", 18, "IMG003")]


def test_fix_diff_writes_nothing(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_bytes(examples)
    assert main(["fix", "--diff", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "--- a/apps/web/deployment.yaml" in out
    assert '-          image: "nginx:1.27.3"   # TLS termination' in out
    assert tree_bytes(examples) == before


def test_update_moves_stale_pin(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry_env: RegistryEnv,
    plain_registry: Registry,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = plain_registry.push("e2e/moving", "1.0", build_image("moving one"))
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "pod.yaml"
    image = plain_registry.ref("e2e/moving", "1.0")
    manifest.write_text(f"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: {image}\n")

    assert run_text(capsys, "fix", "--cache-dir", str(tmp_path / "c")) == 1
    assert manifest.read_text().endswith(f"image: {image}@{old}\n")

    new = plain_registry.push("e2e/moving", "1.0", build_image("moving two"))
    code, report = run_json(capsys, "check", "--no-cache")
    assert (code, findings(report)) == (0, [("pod.yaml", 5, "IMG005")])
    suggestion = report["findings"][0]["suggestion"]  # type: ignore[index]
    assert suggestion == f"{image}@{new}"

    assert run_text(capsys, "fix", "--no-cache") == 0  # plain fix never changes what runs
    assert manifest.read_text().endswith(f"image: {image}@{old}\n")
    assert run_text(capsys, "fix", "--update", "--no-cache") == 1
    assert manifest.read_text().endswith(f"image: {image}@{new}\n")
    code, report = run_json(capsys, "check", "--no-cache")
    assert (code, findings(report)) == (0, [])


def test_verification_findings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    registry_env: RegistryEnv,
    plain_registry: Registry,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = multi_platform("verify me", ("linux/amd64", "linux/arm64"))
    plain_registry.push("e2e/verify", "2.0", index)
    name = plain_registry.ref("e2e/verify")
    missing = "sha256:" + "0" * 64
    child = index.child("linux/arm64").digest
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pods.yaml").write_text(
        "kind: Pod\napiVersion: v1\nspec:\n  containers:\n"
        f"  - image: {name}:2.0@{index.digest}\n"  # 5: verified, nothing to say
        f"  - image: {name}:2.0@{child}\n"  # 6: one platform of the tag's index
        f"  - image: {name}:2.0@{missing}\n"  # 7: the pinned digest does not exist
        f"  - image: {name}:9.9\n"  # 8: the tag does not exist
        f"  - image: {name}@{index.digest}\n"  # 9: digest only, exists
        f"  - image: {name}@{missing}\n"  # 10: digest only, missing
        f"  - image: {name}:2.0\n"  # 11: unpinned, with a suggestion
    )
    code, report = run_json(capsys, "check")
    assert code == 1
    assert findings(report) == [
        ("pods.yaml", 6, "IMG009"),
        ("pods.yaml", 7, "IMG004"),
        ("pods.yaml", 8, "IMG001"),  # unpinned, and
        ("pods.yaml", 8, "IMG004"),  # the tag does not exist
        ("pods.yaml", 10, "IMG004"),
        ("pods.yaml", 11, "IMG001"),
    ]
    assert report["findings"][-1]["suggestion"] == f"{name}:2.0@{index.digest}"  # type: ignore[index]


def test_fix_hook_under_pre_commit(
    tmp_path: Path, hooks: HookRepository, registry_env: RegistryEnv, plain_registry: Registry
) -> None:
    digest = plain_registry.push("e2e/hook", "1.0", build_image("hook"))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    manifest = repo / "deploy.yaml"
    image = plain_registry.ref("e2e/hook", "1.0")
    manifest.write_text(f"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - image: '{image}'\n")

    first = hooks.run(repo, "imagepin-fix")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert manifest.read_text().endswith(f"- image: '{image}@{digest}'\n")

    second = hooks.run(repo, "imagepin-fix")
    assert second.returncode == 0, second.stdout + second.stderr
