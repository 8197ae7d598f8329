"""``fix``: turn findings with a known digest into pins, rewrite the files, report what changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
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


def apply(
    files: Sequence[SourceText],
    findings: list[Finding],
    *,
    formats: FormatOptions,
    update: bool,
    dry_run: bool,
    root: Path,
) -> RewriteResult:
    rules = PIN_RULES | UPDATE_RULES if update else PIN_RULES
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        digest = _digest_of(finding)
        if finding.rule in rules and finding.occurrence is not None and digest:
            by_file[finding.path].append(finding)
    fixed: list[str] = []
    diffs: list[str] = []
    errors: list[FileError] = []
    done: set[int] = set()
    written: list[Path] = []
    for file in files:
        chosen = by_file.get(file.display)
        if not chosen:
            continue
        pins = [fixer.Pin(f.occurrence, d) for f in chosen if f.occurrence and (d := _digest_of(f))]
        result = fixer.fix_text(
            file.display, file.text, pins, formats, occurrences=file.occurrences
        )
        if result.error is not None:
            errors.append(FileError(file.display, f"not fixed: {result.error}"))
            continue
        errors += [
            FileError(file.display, f"line {s.occurrence.line}: not fixed: {s.reason}")
            for s in result.skipped
        ]
        if not result.changed:
            continue
        if dry_run:
            diffs.append(diff.unified(file.display, file.text, result.text))
        else:
            try:
                target = atomic.resolve_target(file.path, root)
                atomic.write_atomic(
                    target,
                    source.encode(result.text, file.encoding),
                    expected=source.encode(file.text, file.encoding),
                    sync_directory=False,
                )
                written.append(target)
            except atomic.WriteError as exc:
                errors.append(FileError(file.display, f"not written: {exc}"))
                continue
        fixed.append(file.display)
        skipped = {s.occurrence for s in result.skipped}
        done.update(id(f) for f in chosen if f.occurrence not in skipped)
    atomic.sync_directories(written)
    remaining = [f for f in findings if id(f) not in done]
    return RewriteResult(remaining, tuple(fixed), tuple(diffs), errors)
