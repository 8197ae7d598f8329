from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from report_factory import finding

from linter.github import gate
from linter.model import Finding, Level
from linter.report import FileError, Report, json_format

WARNING = finding("a.yaml", 1, 1, "IMG005")
ERROR = finding("a.yaml", 2, 1, "IMG001")


@pytest.mark.parametrize(
    ("findings", "errors", "fail_on", "status"),
    [
        ((), (), "error", 0),
        ((WARNING,), (), "error", 0),
        ((WARNING,), (), "warning", 1),
        ((ERROR,), (), "error", 1),
        ((ERROR,), (), "never", 0),
        ((), (FileError("b.yaml", "unreadable"),), "error", 1),
        ((), (FileError("b.yaml", "unreadable"),), "never", 0),
    ],
)
def test_gate(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    findings: tuple[Finding, ...],
    errors: tuple[FileError, ...],
    fail_on: str,
    status: int,
) -> None:
    report = replace(Report((), 1, 1), findings=findings, errors=errors)
    path = tmp_path / "report.json"
    path.write_text(json_format.render(report), encoding="utf-8")
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    assert gate.main([str(path), "--fail-on", fail_on]) == status
    levels = [f.level for f in findings]
    expected = f"errors={levels.count(Level.ERROR)}\nwarnings={levels.count(Level.WARNING)}\n"
    assert outputs.read_text(encoding="utf-8") == expected


def test_an_unreadable_report_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main([str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
