from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from report_factory import finding, many_report, sample_report

from linter.model import Level
from linter.report import Report, gitlab

#: GitLab's Code Quality report format (docs.gitlab.com/ci/testing/code_quality), as a schema.
CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
            "type": {"const": "issue"},
            "categories": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _issues(report: Report) -> list[dict[str, Any]]:
    text = gitlab.render(report)
    assert not text.startswith("\ufeff")
    issues: list[dict[str, Any]] = json.loads(text)
    return issues


@pytest.mark.parametrize(
    "report", [Report((), 0, 0), sample_report(), sample_report(verbose=True), many_report(40)]
)
def test_validates_against_the_code_quality_format(report: Report) -> None:
    issues = _issues(report)
    errors = [e.message for e in Draft202012Validator(CODE_QUALITY_SCHEMA).iter_errors(issues)]
    assert errors == []
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


@pytest.mark.parametrize(
    ("level", "severity"), [(Level.ERROR, "major"), (Level.WARNING, "minor"), (Level.INFO, "info")]
)
def test_severity(level: Level, severity: str) -> None:
    report = Report((finding("a.yaml", 1, 1, level=level),), 1, 1, verbose=True)
    assert _issues(report)[0]["severity"] == severity


def test_issue_fields() -> None:
    report = Report((finding("deploy/a.yaml", 7, 3, suggestion="nginx:1.27@sha256:1"),), 1, 1)
    issue = _issues(report)[0]
    assert issue["check_name"] == "unpinned-tag"
    assert issue["description"] == (
        "IMG001 image 'nginx:1.27' breaks unpinned-tag (pin: nginx:1.27@sha256:1)"
    )
    assert issue["location"] == {"path": "deploy/a.yaml", "lines": {"begin": 7, "end": 7}}
    assert issue["categories"] == ["Security"]


def test_identical_findings_get_distinct_fingerprints() -> None:
    twice = Report((finding("a.yaml", 1, 1), finding("a.yaml", 9, 1)), 1, 2)
    first, second = _issues(twice)
    assert first["fingerprint"] != second["fingerprint"]


def test_fingerprints_survive_line_moves() -> None:
    before = _issues(Report((finding("a.yaml", 3, 1),), 1, 1))
    after = _issues(Report((finding("a.yaml", 30, 9),), 1, 1))
    assert before[0]["fingerprint"] == after[0]["fingerprint"]
