"""Files that hold no image make no noise: no IMG000 for what imagepin does not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main

FILES = {
    # pre-commit's identify tags it ``dockerfile``, so the hooks hand it over as one.
    "app/Dockerfile.dockerignore": "**/node_modules\n*.md\n!README.md\n",
    # An envsubst template: not YAML, and no image key in it.
    "cluster/dns-svc.yaml": "spec:\n  clusterIP: {SERVICE_IP_PREFIX}.16\n  ports: [53]\n",
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("paths", [[], sorted(FILES)])
def test_no_error_where_there_is_no_image(
    tree: Path, paths: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--offline", "--format", "json", *paths]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == []
    assert report["files_scanned"] == 2
    assert report["skipped"] == [
        {
            "path": "cluster/dns-svc.yaml",
            "reason": "not YAML (line 2, column 33: did not find expected key (while parsing a"
            " block mapping)), and no image key in it",
        }
    ]


def test_verbose_names_skipped_files(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--offline", "--color", "never"]) == 0
    assert "skipped" not in capsys.readouterr().out
    assert main(["check", "--offline", "--color", "never", "-v"]) == 0
    out = capsys.readouterr().out
    assert "cluster/dns-svc.yaml: skipped: not YAML (line 2, column 33: " in out


def test_a_broken_file_with_an_image_key_is_still_an_error(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "cluster/dns-svc.yaml").write_text("spec:\n  image: {REGISTRY}/dns:1\n  x: {A}.1\n")
    assert main(["check", "--offline", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [
        ("cluster/dns-svc.yaml", "IMG000")
    ]
