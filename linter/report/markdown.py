"""``--format markdown``: a report ready to post as a pull-request comment.

A hidden marker on the first line lets the PR bot find its own comment again;
the body stays under GitHub's comment size limit by cutting table rows and
saying how many were cut.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import quote

from linter.model import Finding, Level
from linter.report import Report

MARKER = "<!-- imagepin -->"
#: GitHub rejects comment bodies over 65,536 characters (observed, not documented):
#: keep a margin, counted in UTF-8 bytes in case the server counts those.
COMMENT_LIMIT = 60_000
#: Tables longer than this are folded into a <details> block.
COLLAPSE_AFTER = 10
#: Unreadable files and registry problems listed before "… and N more".
PROBLEMS_SHOWN = 20

_ICONS = {Level.ERROR: "❌", Level.WARNING: "⚠️", Level.INFO: "ℹ️"}
_TABLE_HEAD = "| Location | Image | Finding | Pinned reference |\n| --- | --- | --- | --- |\n"
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~#])")
_MENTION = re.compile(r"@(?=\w)")


def plain(value: str) -> str:
    """Plain text for a table cell: no markup, no HTML, no @mentions, one line."""
    escaped = _PUNCTUATION.sub(r"\\\1", " ".join(value.split()))
    return _MENTION.sub("@\u200b", escaped)


def code(value: str) -> str:
    """A code span for a table cell, whatever backticks or pipes ``value`` holds."""
    if not value:
        return "—"
    value = " ".join(value.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{padding}{value}{padding}{fence}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def _location(finding: Finding, links: str | None) -> str:
    label = code(f"{finding.path}:{finding.line}")
    if links is None or finding.path.startswith("/"):
        return label
    return f"[{label}]({links}{quote(finding.path)}#L{finding.line})"


def _row(finding: Finding, links: str | None) -> str:
    finding_cell = (
        f"{_ICONS[finding.level]} **{finding.rule}** {finding.name}: {plain(finding.message)}"
    )
    cells = (
        _location(finding, links),
        code(finding.image),
        finding_cell,
        code(finding.suggestion or ""),
    )
    return "| " + " | ".join(cells) + " |\n"


def verdict(report: Report) -> str:
    """One line: what was found, in how many files, out of how much that was checked."""
    findings = report.visible()
    scope = f"{_plural(report.images, 'image')} in {_plural(report.files_scanned, 'file')} checked"
    if not findings:
        unchecked = len(report.errors) + len(report.registry_problems)
        if unchecked:
            return (
                f"⚠️ **imagepin found no problems**, but not everything could be checked ({scope})."
            )
        return f"✅ **imagepin found no problems** ({scope})."
    counts = Counter(f.level for f in findings)
    worst = max(counts)
    names = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}
    found = " and ".join(
        _plural(counts[level], names[level]) for level in sorted(counts, reverse=True)
    )
    files = len({f.path for f in findings})
    return f"{_ICONS[worst]} **imagepin found {found}** in {_plural(files, 'file')} ({scope})."


def _problems(report: Report) -> str:
    items = [f"{code(e.where)}: {plain(e.message)}" for e in report.errors]
    items += [f"registry: {plain(problem)}" for problem in report.registry_problems]
    if not items:
        return ""
    lines = [f"- {item}\n" for item in items[:PROBLEMS_SHOWN]]
    if len(items) > PROBLEMS_SHOWN:
        lines.append(f"- … and {len(items) - PROBLEMS_SHOWN:,} more\n")
    return "\n**Not checked**\n\n" + "".join(lines)


def _fixed(report: Report) -> str:
    if not report.fixed_files:
        return ""
    return f"\nRewrote {_plural(len(report.fixed_files), 'file')} to pin images.\n"


def _cut_note(cut: int, limit: int) -> str:
    return (
        f"\n✂️ {_plural(cut, 'more finding')} not shown (GitHub limits this text to "
        f"{limit:,} characters); `imagepin check` lists them all.\n"
    )


def _table(rows: Sequence[str], total: int, note: str) -> str:
    table = _TABLE_HEAD + "".join(rows)
    if total > COLLAPSE_AFTER:
        summary = f"<summary>{_plural(total, 'finding')}</summary>"
        table = f"<details>\n{summary}\n\n{table}\n</details>\n"
    return "\n" + table + note


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def render(report: Report, *, links: str | None = None, limit: int = COMMENT_LIMIT) -> str:
    """The report as GitHub-flavoured Markdown of at most ``limit`` UTF-8 bytes.

    ``links`` is the base URL of blob links, e.g. ``https://github.com/o/r/blob/SHA/``;
    without it locations are shown as text.
    """
    head = f"{MARKER}\n### imagepin\n\n{verdict(report)}\n"
    tail = _problems(report) + _fixed(report)
    findings = report.visible()
    rows = [_row(f, links) for f in findings]
    body = head + (_table(rows, len(rows), "") if rows else "") + tail
    if _size(body) <= limit:
        return body
    # Reserve room for the widest note and the <details> wrapper, then fill with rows.
    budget = limit - _size(head + tail + _table([], len(rows), _cut_note(len(rows), limit)))
    kept = 0
    for row in rows:
        budget -= _size(row)
        if budget < 0:
            break
        kept += 1
    note = _cut_note(len(rows) - kept, limit)
    return head + _table(rows[:kept], len(rows), note) + tail
