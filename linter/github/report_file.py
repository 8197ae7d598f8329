"""Read back a ``check --format json`` report, so ``comment`` can run in a later CI step.

The JSON has no source offsets; to suggest fixes, each finding is matched
again with the occurrence the extractor finds at its line, column and image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linter import safe_read, untrusted_json
from linter.extract import DEFAULT_OPTIONS, extract
from linter.extract.options import FormatOptions
from linter.model import Finding, Level, Occurrence
from linter.report import FileError, Report, fixes

#: A report of 100,000 findings is about 50 MB of JSON.
MAX_REPORT = 64 * 1024 * 1024


class ReportFileError(Exception):
    """The file is not a JSON report of a version this imagepin reads."""


def _finding(item: Mapping[str, Any]) -> Finding:
    return Finding(
        path=str(item["path"]),
        line=int(item["line"]),
        column=int(item["column"]),
        end_line=int(item["end_line"]),
        end_column=int(item["end_column"]),
        rule=str(item["rule"]),
        name=str(item["name"]),
        level=Level.parse(str(item["level"])),
        message=str(item["message"]),
        image=str(item["image"]),
        reference=item.get("reference"),
        suggestion=item.get("suggestion"),
    )


def parse(document: Any, root: str = ".") -> Report:
    """The Report a JSON document describes (paths relative to ``root``)."""
    if not isinstance(document, dict) or document.get("version") != 1:
        raise ReportFileError("not an imagepin JSON report (version 1)")
    try:
        return Report(
            findings=tuple(_finding(item) for item in document["findings"]),
            files_scanned=int(document.get("files_scanned", 0)),
            images=int(document.get("images", 0)),
            errors=tuple(
                FileError(e["path"], e["message"], e.get("line"), e.get("column"))
                for e in document.get("errors", ())
            ),
            registry_problems=tuple(document.get("registry_problems", ())),
            fixed_files=tuple(document.get("fixed_files", ())),
            # The JSON holds what was chosen to be shown: show all of it.
            verbose=True,
            root=root,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportFileError(f"malformed finding or error: {exc!r}") from None


def attach_occurrences(report: Report, formats: FormatOptions = DEFAULT_OPTIONS) -> Report:
    """The report with each finding's occurrence found again in its file, where it still is."""

    found: dict[tuple[str, int, int, str], Occurrence] = {}
    for path in sorted({f.path for f in report.findings if f.suggestion}):
        text = fixes.read_text(report.root, path)
        if text is None:
            continue
        for occ in extract(path, text, formats).occurrences:
            found[(path, occ.line, occ.column, occ.image)] = occ
    findings = tuple(
        f._replace(occurrence=found.get((f.path, f.line, f.column, f.image)))
        for f in report.findings
    )
    return report._replace(findings=findings)


def parse_file(path: str, root: str = ".") -> Report:
    """The Report in the JSON file at ``path``, without occurrences."""
    try:
        document = untrusted_json.loads(safe_read.read_text(path, limit=MAX_REPORT))
    except (safe_read.ReadError, ValueError) as exc:
        raise ReportFileError(f"cannot read {path}: {exc}") from None
    return parse(document, root)


def load(path: str, root: str = ".", formats: FormatOptions = DEFAULT_OPTIONS) -> Report:
    """Read a JSON report and re-attach occurrences so fixes can be suggested."""
    return attach_occurrences(parse_file(path, root), formats).redacted()
