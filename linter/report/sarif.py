"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub reads (and requires) is summarised in ../shared/schemas/SOURCE.md;
the security-severity scores are explained in docs/ci.md.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from linter import __version__
from linter.model import FileError, Finding, Level, Report
from linter.report import fixes
from linter.report.fingerprint import fingerprints
from linter.rules import Rule
from linter.rules.catalog import all_rules

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/imagepin/imagepin"
SOURCE_ROOT = "%SRCROOT%"

LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}

#: GitHub's security-severity scores (>= 7.0 high, 4.0-6.9 medium, < 4.0 low); rules
#: left out are correctness problems, not security ones (docs/ci.md says why).
SECURITY_SEVERITY = {
    "IMG001": "7.5",
    "IMG002": "8.0",
    "IMG004": "4.0",
    "IMG005": "5.0",
    "IMG006": "3.0",
    "IMG007": "8.5",
    "IMG009": "3.0",
    "IMG010": "8.0",
    "IMG012": "5.5",
}

#: GitHub truncates descriptions longer than this.
_DESCRIPTION_MAX = 1024


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    severity = SECURITY_SEVERITY.get(rule.id)
    tags = ["security", "supply-chain"] if severity else ["correctness"]
    properties: dict[str, Any] = {
        "tags": tags,
        "precision": "very-high",
        "problem.severity": "recommendation" if rule.level is Level.INFO else str(rule.level),
    }
    if severity:
        properties["security-severity"] = severity
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _description(rule.doc)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.level]},
        "properties": properties,
    }


def _description(markdown: str) -> str:
    """The rule doc's first two paragraphs (what and why), without markup, on one line."""
    paragraphs = markdown.strip().split("\n\n")[:2]
    text = " ".join(" ".join(paragraphs).replace("**", "").split())
    return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 1] + "…"


def _artifact(path: str) -> dict[str, str]:
    if PurePosixPath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": SOURCE_ROOT}


def _directory_uri(directory: str) -> str:
    uri = Path(directory).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(finding: Finding) -> dict[str, int]:
    return {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": max(finding.end_line, finding.line),
        "endColumn": finding.end_column,
    }


def _fix(finding: Finding, text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    changes = fixes.edits(finding, text)
    if not changes:
        return None
    replacements = []
    for edit in changes:
        start_line, start_column = fixes.position(text, edit.start)
        end_line, end_column = fixes.position(text, edit.end)
        region = {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        }
        inserted = {"text": edit.replacement}
        replacements.append({"deletedRegion": region, "insertedContent": inserted})
    return {
        "description": {"text": f"Pin to {finding.suggestion}"},
        "artifactChanges": [
            {"artifactLocation": _artifact(finding.path), "replacements": replacements}
        ],
    }


def _result(
    finding: Finding, rule_index: dict[str, int], fingerprint: str, text: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    message = finding.message
    if finding.suggestion:
        message = f"{message.rstrip('.')}. Pinned: {finding.suggestion}"
    result |= {
        "level": LEVELS[finding.level],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path),
                    "region": _region(finding),
                }
            }
        ],
        # Not a hash of the line: ours ignores line numbers, so alerts survive moves.
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        "properties": {
            "image": finding.image,
            "reference": finding.reference,
            "suggestion": finding.suggestion,
        },
    }
    fix = _fix(finding, text)
    if fix is not None:
        result["fixes"] = [fix]
    return result


def _error_location(error: FileError) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _artifact(error.path)}
    if error.line is not None:
        location["region"] = {"startLine": error.line, "startColumn": error.column or 1}
    return location


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [{"physicalLocation": _error_location(error)}],
        }
        for error in report.errors
    ]
    notes += [
        {"level": "warning", "message": {"text": f"registry problem: {problem}"}}
        for problem in report.registry_problems
    ]
    return notes


def _texts(report: Report, findings: tuple[Finding, ...]) -> dict[str, str | None]:
    """The text of each file that has a fix to show, read once."""
    paths = {f.path for f in findings if f.suggestion and f.occurrence is not None}
    return {path: fixes.read_text(report.root, path) for path in sorted(paths)}


def build(report: Report) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    rules = all_rules()
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    findings = report.visible()
    texts = _texts(report, findings)
    results = [
        _result(finding, rule_index, fingerprint, texts.get(finding.path))
        for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "imagepin",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": "imagepin/"},
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": _directory_uri(report.root)}},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
