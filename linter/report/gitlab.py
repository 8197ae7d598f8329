"""``--format gitlab``: a GitLab Code Quality report for merge-request widgets.

A JSON array of Code Climate issues; GitLab reads ``description``,
``check_name``, ``fingerprint``, ``severity`` and ``location`` and collapses
issues that share a fingerprint, so each finding gets its own.
"""

from __future__ import annotations

import json
from typing import Any

from linter.model import Finding, Level, Report
from linter.report.fingerprint import fingerprints
from linter.report.sarif import SECURITY_SEVERITY

SEVERITIES = {Level.ERROR: "major", Level.WARNING: "minor", Level.INFO: "info"}


def _issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    description = f"{finding.rule} {finding.message}"
    if finding.suggestion:
        description += f" (pin: {finding.suggestion})"
    return {
        "type": "issue",
        "description": description,
        "check_name": finding.name,
        "categories": ["Security" if finding.rule in SECURITY_SEVERITY else "Bug Risk"],
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.level],
        "location": {
            "path": finding.path,
            "lines": {"begin": finding.line, "end": max(finding.end_line, finding.line)},
        },
    }


def render(report: Report) -> str:
    findings = report.visible()
    issues = [_issue(f, fp) for f, fp in zip(findings, fingerprints(findings), strict=True)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
