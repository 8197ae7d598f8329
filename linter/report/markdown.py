"""``--format markdown``: a report ready to post as a pull-request comment.

A hidden marker on the first line lets the PR bot find its own comment again;
the body stays under GitHub's comment size limit by cutting table rows and
saying how many were cut.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Sequence
from urllib.parse import quote

from linter.model import Finding, Level, Report
from linter.report.escape import printable

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
_DIGEST = re.compile(r"\b(sha256|sha512):([0-9a-f]{8})[0-9a-f]{56}(?:[0-9a-f]{64})?\b")
#: ``imagepin fix`` names at most this many files; beyond, their directories.
FILES_LISTED = 20


def plain(value: str) -> str:
    """Plain text for a table cell: no markup, no HTML, no @mentions, one line, no control
    characters."""
    escaped = _PUNCTUATION.sub(r"\\\1", printable(" ".join(value.split())))
    return _MENTION.sub("@\u200b", escaped)


def code(value: str) -> str:
    """A code span for a table cell, whatever backticks or pipes ``value`` holds."""
    if not value:
        return "—"
    value = printable(" ".join(value.split())).replace("|", "\\|")
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


def short_digests(text: str) -> str:
    """``sha256:`` and ``sha512:`` digests cut to their first 8 hex digits and ``…``:
    tables stay readable; the review suggestions keep the full digest."""
    return _DIGEST.sub(lambda m: f"{m.group(1)}:{m.group(2)}…", text)


def _row(findings: Sequence[Finding], links: str | None) -> str:
    """One row for one reference, with every finding about it."""
    first = findings[0]
    found = "<br>".join(
        f"{_ICONS[f.level]} **{f.rule}** {f.name}: {plain(short_digests(f.message))}"
        for f in findings
    )
    suggestion = next((f.suggestion for f in findings if f.suggestion), "")
    cells = (
        _location(first, links),
        code(short_digests(first.image)),
        found,
        code(short_digests(suggestion)),
    )
    return "| " + " | ".join(cells) + " |\n"


def _by_reference(findings: Sequence[Finding]) -> list[list[Finding]]:
    """The findings grouped by the reference they are about (its place and image), in order."""
    groups: dict[tuple[str, int, int, str], list[Finding]] = {}
    for finding in findings:
        key = (finding.path, finding.line, finding.column, finding.image)
        groups.setdefault(key, []).append(finding)
    return list(groups.values())


def fix_command(findings: Sequence[Finding]) -> str | None:
    """The ``imagepin fix`` command that pins what ``findings`` suggest (None: nothing
    to pin): their files, or their directories when there are more than FILES_LISTED."""
    from linter.rewrite import PIN_RULES, UPDATE_RULES

    fixable = [f for f in findings if f.suggestion and f.rule in PIN_RULES | UPDATE_RULES]
    if not fixable:
        return None
    paths = sorted({f.path for f in fixable})
    if len(paths) > FILES_LISTED:
        directories = sorted({posixpath.dirname(path) or "." for path in paths})
        paths = (
            ["."]
            if "." in directories
            else [d for d in directories if not any(d.startswith(f"{o}/") for o in directories)]
        )
    update = " --update" if any(f.rule in UPDATE_RULES for f in fixable) else ""
    return f"imagepin fix{update} " + " ".join(shlex.quote(path) for path in paths)


def _fix_note(findings: Sequence[Finding]) -> str:
    command = fix_command(findings)
    if command is None:
        return ""
    return f"\nTo pin them, run:\n\n```sh\n{command}\n```\n"


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
    if len(items) > COLLAPSE_AFTER:
        summary = f"<summary>{len(items):,} files and registries not checked</summary>"
        return f"\n<details>\n{summary}\n\n" + "".join(lines) + "\n</details>\n"
    return "\n**Not checked**\n\n" + "".join(lines)


def _fixed(report: Report) -> str:
    if not report.fixed_files:
        return ""
    return f"\nRewrote {_plural(len(report.fixed_files), 'file')} to pin images.\n"


def _cut_note(cut: int, limit: int) -> str:
    return (
        f"\n✂️ {_plural(cut, 'more image')} not shown (GitHub limits this text to "
        f"{limit:,} characters); `imagepin check` lists them all.\n"
    )


def _table(rows: Sequence[str], total: int, note: str) -> str:
    table = _TABLE_HEAD + "".join(rows)
    if total > COLLAPSE_AFTER:
        summary = f"<summary>{_plural(total, 'image')} with findings</summary>"
        table = f"<details>\n{summary}\n\n{table}\n</details>\n"
    return "\n" + table + note


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def render(report: Report, *, links: str | None = None, limit: int = COMMENT_LIMIT) -> str:
    """The report as GitHub-flavoured Markdown of at most ``limit`` UTF-8 bytes.

    ``links`` is the base URL of blob links, e.g. ``https://github.com/o/r/blob/SHA/``;
    without it locations are shown as text. One row per reference (all its findings),
    digests shortened; long tables are folded; the last lines give the ``imagepin fix``
    command that pins what the table lists.
    """
    head = f"{MARKER}\n### imagepin\n\n{verdict(report)}\n"
    findings = report.visible()
    tail = _problems(report) + _fixed(report) + _fix_note(findings)
    rows = [_row(group, links) for group in _by_reference(findings)]
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
