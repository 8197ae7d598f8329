"""``fix``: turn findings with a known digest into pins, rewrite the files, report what changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from linter import atomic, diff, fixer, source
from linter.extract import dotenv
from linter.extract.options import FormatOptions
from linter.model import Edit, FileError, Finding, SourceText, Span
from linter.paths import joined
from linter.records import Record

#: Rules whose suggestion ``fix`` writes; IMG005 (stale digest) only with ``--update``,
#: because plain ``fix`` must never change what runs.
PIN_RULES = frozenset({"IMG001", "IMG002"})
UPDATE_RULES = frozenset({"IMG005"})


class RewriteResult(Record):
    #: Findings that remain (fixed ones are dropped).
    findings: list[Finding]
    fixed_files: tuple[str, ...]
    diffs: tuple[str, ...]
    errors: list[FileError]


def _digest_of(finding: Finding) -> str | None:
    return finding.suggestion.rpartition("@")[2] if finding.suggestion else None


class FileFix:
    """What fixing one file did, filled in as it goes: a plain class with ``__slots__``
    (docs/decisions.md)."""

    __slots__ = ("diff", "display", "elsewhere", "errors", "fixed", "root", "written")

    def __init__(self, display: str, *, root: str | None = None) -> None:
        self.display = display
        #: The findings the change fixes (dropped from the report).
        self.fixed: list[Finding] = []
        self.errors: list[FileError] = []
        self.diff: str | None = None
        #: The file written (its directory is synced by :func:`combine`).
        self.written: Path | None = None
        #: Pins whose digest goes into another file (a Compose project's ``.env``):
        #: written by :func:`fix_elsewhere` once every file's are known.
        self.elsewhere: list[tuple[Finding, fixer.Pin]] = []
        #: The real directory the file was found in (SourceText.root): a ``.env``
        #: beside it is written only inside it too.
        self.root = root

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
    outcome = FileFix(file.display, root=file.root)
    outcome.elsewhere = [(f, pin) for f, pin in chosen if pin.occurrence.fix_path is not None]
    chosen = [(f, pin) for f, pin in chosen if pin.occurrence.fix_path is None]
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
    if not _write(
        outcome, file.path, file.root, file.text, result.text, file.encoding, dry_run, targets
    ):
        return outcome
    skipped = {s.occurrence for s in result.skipped}
    outcome.fixed = [finding for finding, pin in chosen if pin.occurrence not in skipped]
    return outcome


def _write(
    outcome: FileFix,
    path: str,
    root: str,
    old: str,
    new: str,
    encoding: str,
    dry_run: bool,
    targets: atomic.Targets,
) -> bool:
    """Write ``new`` over ``old`` at ``path`` if it lies inside ``root`` (or make its
    diff); False when it failed."""
    try:
        # --diff shows what fix would write: a file fix may not write gets no diff either.
        target = targets(Path(path), Path(root))
        if dry_run and encoding != "utf-8":
            raise atomic.WriteError(
                f"a {encoding.upper()} file: a text patch could not reproduce its bytes "
                "(`imagepin fix` writes it)"
            )
        if dry_run:
            outcome.diff = diff.unified(outcome.display, old, new)
        else:
            atomic.write_atomic(
                target,
                source.encode(new, encoding),
                expected=source.encode(old, encoding),
                sync_directory=False,
                resolved=True,
            )
            outcome.written = target
    except atomic.WriteError as exc:
        shown = "not shown" if dry_run else "not written"
        outcome.errors.append(FileError(outcome.display, f"{shown}: {exc}"))
        return False
    return True


def fix_elsewhere(
    fixes: Sequence[FileFix], *, root: str, dry_run: bool, targets: atomic.Targets
) -> list[FileFix]:
    """Write the pins of ``fixes`` whose digest goes into another file than the image's:
    the ``.env`` of a Compose project, which several Compose files can read. ``root`` is
    what those files' display paths are relative to."""
    wanted: dict[str, list[tuple[Finding, fixer.Pin]]] = {}
    allowed: dict[str, str] = {}
    for fix in fixes:
        for finding, pin in fix.elsewhere:
            assert pin.occurrence.fix_path is not None and fix.root is not None
            wanted.setdefault(pin.occurrence.fix_path, []).append((finding, pin))
            allowed.setdefault(pin.occurrence.fix_path, fix.root)
    return [
        _fix_env_file(display, chosen, joined(root, display), allowed[display], dry_run, targets)
        for display, chosen in sorted(wanted.items())
    ]


def _fix_env_file(
    display: str,
    chosen: list[tuple[Finding, fixer.Pin]],
    path: str,
    allowed: str,
    dry_run: bool,
    targets: atomic.Targets,
) -> FileFix:
    """Pin the values of a ``.env`` file that hold images (or their tags), verified by
    reading the file again: every other variable must keep its value."""
    outcome = FileFix(display)
    try:
        read = source.read(path)
    except source.SourceError as exc:
        outcome.errors += [
            _not_fixed(finding, f"cannot read {display}: {exc}") for finding, _ in chosen
        ]
        return outcome
    # Grouped by the variable their edits fall in: one variable read as a whole reference
    # by one Compose file and as a tag by another must not take both edits.
    values = [v.edit for v in dotenv.parse(read.text).values() if v.edit is not None]
    by_value: dict[Span | None, list[tuple[Finding, list[Edit]]]] = {}
    for finding, pin in chosen:
        try:
            edits = fixer.edits_for(read.text, pin)
        except ValueError as error:
            outcome.errors.append(_not_fixed(finding, str(error)))
            continue
        value = next((v for v in values if v.start <= edits[0].start <= v.end), None)
        by_value.setdefault(value, []).append((finding, edits))
    applied: list[tuple[Finding, list[Edit]]] = []
    for group in by_value.values():
        if len({tuple(edits) for _, edits in group}) > 1:
            images = ", ".join(sorted({finding.image for finding, _ in group}))
            reason = f"its value in {display} feeds several images ({images})"
            outcome.errors += [_not_fixed(finding, reason) for finding, _ in group]
        else:
            applied += group
    edits = [edit for _, found in applied for edit in found]
    if not edits:
        outcome.fixed = [finding for finding, _ in applied]
        return outcome
    new_text = fixer.apply_edits(read.text, edits)
    problem = dotenv_changes(read.text, new_text, edits)
    if problem is not None:
        outcome.errors.append(FileError(display, f"not fixed: {problem}"))
        return outcome
    if _write(outcome, path, allowed, read.text, new_text, read.encoding, dry_run, targets):
        outcome.fixed = [finding for finding, _ in applied]
    return outcome


def _not_fixed(finding: Finding, reason: str) -> FileError:
    return FileError(finding.path, f"not fixed: {reason}", finding.line, finding.column)


def dotenv_changes(old: str, new: str, edits: Sequence[Edit]) -> str | None:
    """Why ``new`` is not ``old`` with ``edits`` applied to the values of its variables
    (and nothing else): None when it is."""
    before, after = dotenv.parse(old), dotenv.parse(new)
    spans = [v.edit for v in before.values() if v.edit is not None]
    if not all(any(s.start <= e.start <= e.end <= s.end for s in spans) for e in edits):
        return "an edit falls outside the values of the file; not written"
    if before.keys() != after.keys():
        return "the variables of the file would change; not written"
    for name, variable in before.items():
        expected = variable.value
        span = variable.edit
        inside = [
            e for e in edits if span is not None and span.start <= e.start <= e.end <= span.end
        ]
        if inside and span is not None:
            shifted = [
                Edit(e.start - span.start, e.end - span.start, e.replacement) for e in inside
            ]
            expected = fixer.apply_edits(variable.value, shifted)
        if after[name].value != expected:
            return f"{name} would read {after[name].value!r} instead of {expected!r}; not written"
    return None


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
