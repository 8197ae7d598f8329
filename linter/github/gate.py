"""The GitHub Action's last step: fail the job on findings at or above ``--fail-on``.

``python -m linter.github.gate REPORT.json --fail-on error|warning|never``. It
reads the JSON report the action's first step wrote, so the gate needs no
second run, and sets the ``errors`` and ``warnings`` step outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence

from linter.github import report_file
from linter.model import Level
from linter.report import Report

THRESHOLDS = {"error": Level.ERROR, "warning": Level.WARNING, "never": None}


def failed(report: Report, threshold: Level | None) -> bool:
    """Whether the job fails: findings at or above ``threshold``, or files not linted."""
    if threshold is None:
        return False
    return bool(report.errors) or any(f.level >= threshold for f in report.findings)


def _write_outputs(counts: Counter[Level]) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"errors={counts[Level.ERROR]}\nwarnings={counts[Level.WARNING]}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linter.github.gate")
    parser.add_argument("report", help="a `check --format json` report")
    parser.add_argument("--fail-on", choices=THRESHOLDS, default="error")
    args = parser.parse_args(argv)
    try:
        report = report_file.parse_file(args.report)
    except report_file.ReportFileError as exc:
        sys.stderr.write(f"imagepin: error: {exc}\n")
        return 2
    counts = Counter(f.level for f in report.findings)
    _write_outputs(counts)
    if not failed(report, THRESHOLDS[args.fail_on]):
        return 0
    sys.stderr.write(
        f"imagepin: {counts[Level.ERROR]} errors, {counts[Level.WARNING]} warnings, "
        f"{len(report.errors)} files not linted (failing on {args.fail_on})\n"
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
