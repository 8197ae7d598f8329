from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from report_factory import GOLDEN, sample_report

from linter.github import report_file
from linter.model import Form, Level
from linter.report import json_format

FIXTURE = GOLDEN / "action"


def test_round_trip_through_json() -> None:
    report = sample_report(verbose=True)
    parsed = report_file.parse(json.loads(json_format.render(report)))
    assert parsed.findings == report.findings
    assert (parsed.files_scanned, parsed.images) == (report.files_scanned, report.images)
    assert (parsed.errors, parsed.registry_problems) == (report.errors, report.registry_problems)
    assert parsed.verbose


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not an imagepin JSON report"),
        ({"version": 2, "findings": []}, "not an imagepin JSON report"),
        ({"version": 1}, "malformed"),
        ({"version": 1, "findings": [{"path": "a.yaml"}]}, "malformed"),
        ({"version": 1, "findings": [], "errors": [{"path": "a"}]}, "malformed"),
    ],
)
def test_rejects_what_is_not_a_report(document: Any, message: str) -> None:
    with pytest.raises(report_file.ReportFileError, match=message):
        report_file.parse(document)


@pytest.mark.parametrize("content", ["{not json", None])
def test_unreadable_files(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(report_file.ReportFileError, match="cannot read"):
        report_file.load(str(path))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE / "repo", tmp_path / "repo")
    return tmp_path / "repo"


def test_load_finds_the_occurrences_again(repo: Path) -> None:
    report = report_file.load(str(FIXTURE / "imagepin.json"), root=str(repo))
    forms = {(f.path, f.line): f.occurrence.form for f in report.findings if f.occurrence}
    assert forms == {
        ("compose.yaml", 3): Form.SCALAR,
        ("compose.yaml", 5): Form.VARIABLE_DEFAULT,
        ("deploy/app.yaml", 10): Form.SCALAR,
        ("deploy/app.yaml", 12): Form.SCALAR,
        ("deploy/app.yaml", 15): Form.SCALAR,
        ("kustomization.yaml", 7): Form.KUSTOMIZE,
    }
    assert all(f.level is Level.ERROR for f in report.findings)


def test_a_changed_or_missing_file_leaves_findings_without_occurrence(repo: Path) -> None:
    app = repo / "deploy" / "app.yaml"
    app.write_text(
        app.read_text(encoding="utf-8").replace("nginx:1.27", "nginx:1.28"), encoding="utf-8"
    )
    (repo / "compose.yaml").unlink()
    report = report_file.load(str(FIXTURE / "imagepin.json"), root=str(repo))
    attached = {(f.path, f.line) for f in report.findings if f.occurrence}
    assert attached == {("deploy/app.yaml", 12), ("deploy/app.yaml", 15), ("kustomization.yaml", 7)}
