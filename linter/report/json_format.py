"""``--format json``: one document (version 1; docs/ci.md and the README describe it)."""

from __future__ import annotations

import json
from typing import Any

from linter.model import FileError, Finding, Report


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "rule": finding.rule,
        "name": finding.name,
        "level": str(finding.level),
        "message": finding.message,
        "image": finding.image,
        "reference": finding.reference,
        "suggestion": finding.suggestion,
    }


def _error(error: FileError) -> dict[str, Any]:
    located = {"line": error.line, "column": error.column} if error.line else {}
    return {"path": error.path, **located, "message": error.message}


def render(report: Report) -> str:
    document = {
        "version": 1,
        "findings": [finding_dict(f) for f in report.visible()],
        "files_scanned": report.files_scanned,
        "images": report.images,
        "errors": [_error(e) for e in report.errors],
        "registry_problems": list(report.registry_problems),
        "fixed_files": list(report.fixed_files),
        "skipped": [{"path": s.path, "reason": s.message} for s in report.skipped],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
