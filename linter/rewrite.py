"""``fix``: turn findings with a known digest into pins, rewrite the files, report what changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from linter import atomic, diff, fixer, source
from linter.extract.options import FormatOptions
from linter.model import Finding, SourceText
from linter.report import FileError

#: Rules whose suggestion ``fix`` writes; IMG005 (stale digest) only with ``--update``,
#: because plain ``fix`` must never change what runs.
PIN_RULES = frozenset({"IMG001", "IMG002"})
UPDATE_RULES = frozenset({"IMG005"})


@dataclass(frozen=True)
class RewriteResult:
    #: Findings that remain (fixed ones are dropped).
    findings: list[Finding]
    fixed_files: tuple[str, ...]
    diffs: tuple[str, ...]
    errors: list[FileError]


def _digest_of(finding: Finding) -> str | None:
    return finding.suggestion.rpartition("@")[2] if finding.suggestion else None


@dataclass
class FileFix:
    """What fixing one file did."""

    display: str
    #: The findings the change fixes (dropped from the report).
    fixed: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    diff: str | None = None
    #: The file written (its directory is synced by :func:`combine`).
    written: Path | None = None

    @property
    def changed(self) -> bool:
        """Written, or (``--diff``) its change shown."""
        return self.written is not None or self.diff is not None


def fix_file(
    file: SourceText,
    findings: Sequence[Finding],
    *,
    formats: FormatOptions,
    update: bool,
    dry_run: bool,
    targets: atomic.Targets,
) -> FileFix:
    """Pin what ``findings`` (this file's) suggest, and write the file (or make its diff)
    if it lies inside the tree ``targets`` allows."""
    rules = PIN_RULES | UPDATE_RULES if update else PIN_RULES
    chosen = [
        (finding, fixer.Pin(finding.occurrence, digest))
        for finding in findings
        if finding.rule in rules
        and finding.occurrence is not None
        and (digest := _digest_of(finding))
    ]
    outcome = FileFix(file.display)
    if not chosen:
        return outcome
    pins = [pin for _, pin in chosen]
    result = fixer.fix_text(file.display, file.text, pins, formats, occurrences=file.occurrences)
    if result.error is not None:
        outcome.errors.append(FileError(file.display, f"not fixed: {result.error}"))
        return outcome
    outcome.errors += [
        FileError(file.display, f"not fixed: {s.reason}", s.occurrence.line, s.occurrence.column)
        for s in result.skipped
    ]
    if not result.changed:
        return outcome
    try:
        # --diff shows what fix would write: a file fix may not write gets no diff either.
        target = targets(file.path, file.root)
        if dry_run and file.encoding != "utf-8":
            raise atomic.WriteError(
                f"a {file.encoding.upper()} file: a text patch could not reproduce its bytes "
                "(`imagepin fix` writes it)"
            )
        if dry_run:
            outcome.diff = diff.unified(file.display, file.text, result.text)
        else:
            atomic.write_atomic(
                target,
                source.encode(result.text, file.encoding),
                expected=source.encode(file.text, file.encoding),
                sync_directory=False,
                resolved=True,
            )
            outcome.written = target
    except atomic.WriteError as exc:
        shown = "not shown" if dry_run else "not written"
        outcome.errors.append(FileError(file.display, f"{shown}: {exc}"))
        return outcome
    skipped = {s.occurrence for s in result.skipped}
    outcome.fixed = [finding for finding, pin in chosen if pin.occurrence not in skipped]
    return outcome


def combine(findings: list[Finding], fixes: Sequence[FileFix]) -> RewriteResult:
    """The run's result from its files' fixes (in file order); makes the renames durable."""
    atomic.sync_directories(fix.written for fix in fixes if fix.written is not None)
    done = {id(f) for fix in fixes for f in fix.fixed}
    return RewriteResult(
        [f for f in findings if id(f) not in done],
        tuple(fix.display for fix in fixes if fix.changed),
        tuple(fix.diff for fix in fixes if fix.diff is not None),
        [error for fix in fixes for error in fix.errors],
    )
