"""``--format text``: one line per finding, like compilers and ruff; colour through rich.

Without colour (pipes, pre-commit, NO_COLOR) rich is not imported at all: the
hook's fast path stays cheap.
"""

from __future__ import annotations

from linter.model import Finding, Level
from linter.report import Report
from linter.suppress import DISABLE_FILE

_STYLES = {Level.ERROR: "bold red", Level.WARNING: "yellow", Level.INFO: "cyan"}


def _printable(text: str) -> str:
    """File names and images may hold control characters: never let them reach the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _lines(finding: Finding, verbose: bool) -> list[tuple[str, str]]:
    """(text, style) pieces of one finding."""
    where = f"{_printable(finding.path)}:{finding.line}:{finding.column}: "
    pieces = [
        (where, "bold"),
        (f"{finding.rule} ", _STYLES[finding.level]),
        (f"[{finding.name}] ", "dim"),
        (_printable(finding.message), ""),
    ]
    if finding.suggestion:
        pieces += [("\n    pin: ", "dim"), (_printable(finding.suggestion), "green")]
    note = finding.occurrence.note if finding.occurrence else None
    if verbose and note:
        # How the image was read (e.g. Helm's split fields), for -v.
        pieces += [("\n    ", ""), (_printable(note), "dim")]
    return pieces


def _summary(report: Report) -> str:
    counts = {level: 0 for level in Level}
    for finding in report.findings:
        counts[finding.level] += 1
    parts = [
        f"{report.files_scanned} file{'s' * (report.files_scanned != 1)}",
        f"{report.images} image{'s' * (report.images != 1)}",
        f"{counts[Level.ERROR]} error{'s' * (counts[Level.ERROR] != 1)}",
        f"{counts[Level.WARNING]} warning{'s' * (counts[Level.WARNING] != 1)}",
    ]
    if counts[Level.INFO] and not report.verbose:
        parts.append(f"{counts[Level.INFO]} info hidden (-v shows them)")
    text = "checked " + ", ".join(parts)
    disabled = sum(1 for s in report.skipped if s.message == DISABLE_FILE)
    if disabled:
        text += f"; skipped {disabled} file{'s' * (disabled != 1)} (disable-file)"
    if report.fixed_files:
        text += f"; fixed {len(report.fixed_files)} file{'s' * (len(report.fixed_files) != 1)}"
    return text


def _trailer(report: Report) -> list[str]:
    lines = [f"{_printable(e.where)}: {_printable(e.message)}" for e in report.errors]
    lines += [f"registry problem: {_printable(p)}" for p in report.registry_problems]
    lines += [f"fixed {_printable(path)}" for path in report.fixed_files]
    if report.verbose:
        lines += [f"{_printable(s.path)}: skipped: {_printable(s.message)}" for s in report.skipped]
    return lines


def render(report: Report, *, color: bool = False, quiet: bool = False) -> str:
    findings = report.visible()
    trailer = _trailer(report)
    summary = "" if quiet else _summary(report)
    if not color:
        out = ["".join(text for text, _ in _lines(f, report.verbose)) + "\n" for f in findings]
        out += [line + "\n" for line in trailer]
        if summary:
            out.append(summary + "\n")
        return "".join(out)
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, force_terminal=True, highlight=False, width=10_000)
    with console.capture() as capture:
        for finding in findings:
            console.print(Text.assemble(*_lines(finding, report.verbose)), soft_wrap=True)
        for line in trailer:
            console.print(Text(line, style="magenta"), soft_wrap=True)
        if summary:
            console.print(Text(summary, style="bold"), soft_wrap=True)
    return capture.get()
