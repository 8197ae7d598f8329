"""``--format github``: workflow commands that GitHub Actions turns into annotations.

GitHub keeps at most 10 annotations of each level per step and drops the rest
silently, so findings beyond that are printed as plain log lines instead, and
the whole report goes to the job summary (``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import os
from collections import Counter

from linter.model import FileError, Finding, Level, Report
from linter.redact import scrub
from linter.report.escape import at_line_start, printable

ANNOTATIONS_PER_LEVEL = 10
#: A step may add at most 1 MiB to the job summary.
SUMMARY_LIMIT = 1_000_000

_COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message, as @actions/core ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command's property value, as @actions/core ``escapeProperty`` does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """One workflow command line: ``::name key=value,…::message``. Property values are made
    printable here; the message's own parts by the caller (its line breaks are meant)."""
    props = ",".join(
        f"{key}={escape_property(printable(str(value)))}" for key, value in properties.items()
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _data(text: str) -> str:
    """A message's text: control characters escaped, but for line breaks, which
    ``escape_data`` writes as GitHub reads them in an annotation (``%0A``)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _message(finding: Finding) -> str:
    if finding.suggestion:
        return f"{_data(finding.message)}\nPinned: {_data(finding.suggestion)}"
    return _data(finding.message)


def annotation(finding: Finding) -> str:
    return command(
        _COMMANDS[finding.level],
        _message(finding),
        file=finding.path,
        line=finding.line,
        endLine=max(finding.end_line, finding.line),
        col=finding.column,
        endColumn=finding.end_column,
        title=f"{finding.rule} {finding.name}",
    )


def _log_line(finding: Finding) -> str:
    """A finding as plain log text, on one line that can never be a command: the runner
    trims leading whitespace before it looks for ``::``, so the path cannot start one."""
    where = f"{at_line_start(finding.path)}:{finding.line}:{finding.column}:"
    text = f"{where} {finding.rule} {printable(finding.message)}"
    if finding.suggestion:
        text += f" (pin: {printable(finding.suggestion)})"
    return "  " + text


def _place(error: FileError) -> dict[str, str | int]:
    if error.line is None:
        return {"file": error.path}
    return {"file": error.path, "line": error.line, "col": error.column or 1}


def _entries(report: Report) -> list[tuple[Level, str, str]]:
    """(level, annotation, log line) of everything to show, files not linted first."""
    entries = [
        (Level.ERROR, command("error", _data(e.message), **_place(e), title="imagepin"), "")
        for e in report.errors
    ]
    entries += [
        (
            Level.WARNING,
            command("warning", f"registry problem: {_data(p)}", title="imagepin"),
            "",
        )
        for p in report.registry_problems
    ]
    entries += [(f.level, annotation(f), _log_line(f)) for f in report.visible()]
    return entries


def render(report: Report) -> str:
    lines: list[str] = []
    overflow: list[str] = []
    shown: Counter[Level] = Counter()
    for level, note, log_line in _entries(report):
        shown[level] += 1
        if shown[level] <= ANNOTATIONS_PER_LEVEL or not log_line:
            lines.append(note)
        else:
            overflow.append(log_line)
    if overflow:
        lines.append(
            f"imagepin: {len(overflow)} more finding{'s' * (len(overflow) != 1)} (GitHub shows "
            f"{ANNOTATIONS_PER_LEVEL} annotations of each level per step; the job summary has all):"
        )
        lines += overflow
    return "".join(line + "\n" for line in lines)


def blob_links() -> str | None:
    """The base of links to files at the commit being checked, from the Actions environment."""
    repository, sha = os.environ.get("GITHUB_REPOSITORY"), os.environ.get("GITHUB_SHA")
    if not repository or not sha:
        return None
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{repository}/blob/{sha}/"


def write_step_summary(report: Report) -> None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from linter.report import markdown

    text = markdown.render(report, links=blob_links(), limit=SUMMARY_LIMIT)
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(scrub(text) + "\n")


def write_step_outputs(report: Report) -> None:
    """The step outputs ``errors`` and ``warnings`` (finding counts) in ``$GITHUB_OUTPUT``,
    when Actions provides one: the action's outputs."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    levels = [finding.level for finding in report.findings]
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(
            f"errors={levels.count(Level.ERROR)}\nwarnings={levels.count(Level.WARNING)}\n"
        )
