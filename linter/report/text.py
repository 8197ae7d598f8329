"""``--format text``: one line per finding, like compilers and ruff; colour through rich.

Without colour (pipes, pre-commit, NO_COLOR) rich is not imported at all: the
hook's fast path stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

from linter.model import Finding, Level, Report
from linter.report.escape import at_line_start, printable
from linter.rules import unreachable_registry
from linter.suppress import DISABLE_FILE

_STYLES = {Level.ERROR: "bold red", Level.WARNING: "yellow", Level.INFO: "cyan"}


def _lines(finding: Finding, verbose: bool, group: Sequence[Finding] = ()) -> list[tuple[str, str]]:
    """(text, style) pieces of one finding, or of the IMG011 findings in ``group`` (the
    same registry failing the same way) on one line with their count."""
    where = f"{at_line_start(finding.path)}:{finding.line}:{finding.column}: "
    message = finding.message
    if len(group) > 1:
        message = f"{unreachable_registry.problem(finding)}; {len(group)} images were not checked"
        message += "" if verbose else " (-v lists them)"
    pieces = [
        (where, "bold"),
        (f"{finding.rule} ", _STYLES[finding.level]),
        (f"[{finding.name}] ", "dim"),
        (printable(message), ""),
    ]
    if len(group) > 1 and verbose:
        for member in group:
            at = f"{printable(member.path)}:{member.line}:{member.column}: "
            pieces += [("\n    ", ""), (at, "dim"), (printable(repr(member.image)), "")]
        return pieces
    if finding.suggestion:
        pieces += [("\n    pin: ", "dim"), (printable(finding.suggestion), "green")]
    note = finding.occurrence.note if finding.occurrence else None
    if verbose and note:
        # How the image was read (e.g. Helm's split fields), for -v.
        pieces += [("\n    ", ""), (printable(note), "dim")]
    return pieces


def _grouped(findings: Sequence[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """Each finding with the group it stands for: IMG011 findings of one registry that
    failed one way are one entry, at the first one's place; others stand alone."""
    entries: list[tuple[Finding, list[Finding]]] = []
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        key = unreachable_registry.problem(finding)
        if key is None:
            entries.append((finding, [finding]))
        elif key in groups:
            groups[key].append(finding)
        else:
            groups[key] = [finding]
            entries.append((finding, groups[key]))
    return entries


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


def _trailer(report: Report, shown: set[str]) -> list[str]:
    """Files not linted, registry problems no IMG011 line already states, files fixed."""
    lines = [f"{at_line_start(e.where)}: {printable(e.message)}" for e in report.errors]
    lines += [
        f"registry problem: {printable(p)}" for p in report.registry_problems if p not in shown
    ]
    lines += [f"fixed {printable(path)}" for path in report.fixed_files]
    if report.verbose:
        lines += [
            f"{at_line_start(s.path)}: skipped: {printable(s.message)}" for s in report.skipped
        ]
    return lines


def render(report: Report, *, color: bool = False, quiet: bool = False) -> str:
    entries = _grouped(report.visible())
    shown = {unreachable_registry.problem(first) or "" for first, _ in entries}
    lines = [_lines(first, report.verbose, group) for first, group in entries]
    trailer = _trailer(report, shown)
    summary = "" if quiet else _summary(report)
    if not color:
        out = ["".join(text for text, _ in pieces) + "\n" for pieces in lines]
        out += [line + "\n" for line in trailer]
        if summary:
            out.append(summary + "\n")
        return "".join(out)
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, force_terminal=True, highlight=False, width=10_000)
    with console.capture() as capture:
        for pieces in lines:
            console.print(Text.assemble(*pieces), soft_wrap=True)
        for line in trailer:
            console.print(Text(line, style="magenta"), soft_wrap=True)
        if summary:
            console.print(Text(summary, style="bold"), soft_wrap=True)
    return capture.get()
