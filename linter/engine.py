"""The check pipeline: discover -> extract -> resolve -> rules -> suppress -> fix -> Report.

No printing here: the CLI renders the Report this returns.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import linter.rules
from linter import discovery, reading, selection, skaffold, suppress
from linter.config import Config, ConfigError
from linter.extract.options import FormatOptions
from linter.model import (
    ErrorKind,
    FileError,
    Finding,
    Occurrence,
    Report,
    Resolution,
    ResolveError,
    SourceText,
)
from linter.pipeline import Pipeline
from linter.records import Record
from linter.reference import InvalidReference, Reference, parse
from linter.rules import Rule, Subject

if TYPE_CHECKING:
    from linter.registry import RegistryOptions
    from linter.registry.trace import Tracer
    from linter.rewrite import FileFix


class CheckOptions(Record):
    config: Config = Config()
    offline: bool = False
    verbose: bool = False
    fix: bool = False
    update: bool = False
    #: With fix: compute the changes, write nothing.
    diff: bool = False
    no_cache: bool = False
    cache_dir: str | None = None
    insecure: tuple[str, ...] = ()
    #: Told about registry exchanges and cache answers.
    tracer: Tracer | None = None
    platform: str | None = None
    concurrency: int | None = None
    #: The directory paths are relative to; None for the process's working directory.
    cwd: str | None = None


class Outcome(Record):
    report: Report
    #: Unified diffs of the changes (``fix --diff``), one per file.
    diffs: tuple[str, ...] = ()


@functools.lru_cache(maxsize=4096)
def _parse_reference(text: str) -> tuple[Reference | None, str | None]:
    """Parsed once per distinct string: the same images repeat across a repository."""
    try:
        return parse(text), None
    except InvalidReference as exc:
        return None, str(exc)


def _ignored_image(ref: Reference, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(str(ref), p) or fnmatchcase(ref.name, p) for p in patterns)


def _reference_of(occ: Occurrence, config: Config) -> tuple[Reference | None, str | None] | None:
    """The occurrence's reference (None when dynamic or invalid) and why it is invalid;
    None when configuration ignores the image."""
    ref, invalid = _parse_reference(occ.image) if occ.dynamic is None else (None, None)
    if ref is not None and _ignored_image(ref, config.ignore_images):
        return None
    if occ.invalid is not None:  # the reference parses; what reads the field refuses it
        return None, occ.invalid
    return ref, invalid


def _suppressions(display: str, text: str) -> suppress.Suppressions:
    return suppress.parse(text, dockerfile=discovery.is_dockerfile(display))


def _per_file_ignored(config: Config, path: str) -> set[str]:
    ignored: set[str] = set()
    if not config.per_file_ignores:
        return ignored
    from pathlib import PurePosixPath  # not loaded by a check without them (linter.paths)

    for pattern, rules in config.per_file_ignores.items():
        if PurePosixPath(path).match(pattern) or fnmatchcase(path, pattern):
            ignored |= selection.expand(rules)
    return ignored


def _registry_options(options: CheckOptions, on: set[str]) -> RegistryOptions:
    """The registry options, and what the rules in ``on`` (their ids) need fetched
    (docs/policy.md)."""
    from linter.registry import RegistryOptions
    from linter.signatures import SignatureKeyError, load_keys

    config = options.config
    registry = RegistryOptions.from_config(
        config,
        no_cache=options.no_cache,
        cache_dir=options.cache_dir,
        insecure=options.insecure,
        platform=options.platform,
        concurrency=options.concurrency,
    )
    need_signatures = config.require_signature and "IMG010" in on
    try:
        keys = load_keys(config.signature_keys, config.root) if need_signatures else []
    except SignatureKeyError as exc:
        raise ConfigError(str(exc)) from None
    return registry._replace(
        need_platforms=bool(config.required_platforms) and "IMG008" in on,
        need_created=config.max_age_days is not None and "IMG012" in on,
        need_signatures=need_signatures,
        signature_keys=tuple(keys),
        tracer=options.tracer,
    )


def _resolve(
    refs: Iterator[Reference],
    options: CheckOptions,
    on: set[str],
    on_answer: Callable[[Reference, Resolution], None],
) -> tuple[dict[Reference, Resolution], tuple[str, ...]]:
    """Every reference's answer, and the registries that failed (one line each).

    ``refs`` may read files as it is iterated: resolution starts with the first reference,
    and the registries answer while the rest are read. It is always iterated to its end.

    Registry problems are answers (linter.registry never raises for them). Should
    anything escape all the same, the references left without an answer get it as
    their error: the run reports them and the files already fixed, never a traceback.
    """
    first = next(refs, None)
    if first is None:
        return {}, ()
    from linter import registry

    seen: list[Reference] = [first]

    def every() -> Iterator[Reference]:
        yield first
        for ref in refs:
            seen.append(ref)
            yield ref

    options_for_run = _registry_options(options, on)  # a ConfigError is the user's to fix
    try:
        answers, stats = registry.resolve_with_stats(every(), options_for_run, on_answer)
    except Exception as exc:  # contained: each reference says why it has no answer
        seen.extend(refs)  # the files not read yet are read still
        message = reading.internal_error(exc)
        answers = {
            ref: Resolution(ref, error=ResolveError(ErrorKind.INVALID, message, ref.domain))
            for ref in seen
        }
        return answers, (message,)
    seen.extend(refs)  # a resolution that stopped early (tests replace it) left files unread
    failed = sorted(stats.registries_failed.items())
    problems = tuple(f"{host}: {reason}" for host, reason in failed)
    return answers, problems


def _evaluate(
    file: SourceText,
    rules: Sequence[Rule],
    resolutions: dict[Reference, Resolution],
    config: Config,
) -> list[Finding]:
    if not file.occurrences:
        return []
    findings: list[Finding] = []
    suppressions = _suppressions(file.display, file.text)
    skip = _per_file_ignored(config, file.display)
    now = linter.rules.utc_now()  # through the module: tests replace it
    for occ in file.occurrences:
        named = _reference_of(occ, config)
        if named is None:
            continue
        ref, invalid = named
        resolution = resolutions.get(ref) if ref else None
        subject = Subject(occ, ref, invalid, resolution, config, now)
        for rule in rules:
            if rule.check is None or rule.id in skip:
                continue
            if suppressions.suppresses(occ.line, rule.id, rule.name):
                continue
            for hit in rule.check(subject):
                findings.append(
                    Finding(
                        occ.path,
                        occ.line,
                        occ.column,
                        occ.end_line,
                        occ.end_column,
                        rule.id,
                        rule.name,
                        rule.level,
                        hit.message,
                        occ.image,
                        str(ref) if ref else None,
                        hit.suggestion,
                        occ,
                    )
                )
    return findings


def _suppress_file_findings(findings: list[Finding], files: Sequence[SourceText]) -> list[Finding]:
    """IMG000 findings honour ``disable-file`` and line comments like any other."""
    texts = {f.display: f.text for f in files}
    return [
        finding
        for finding in findings
        if finding.path not in texts
        or not _suppressions(finding.path, texts[finding.path]).suppresses(
            finding.line, finding.rule, finding.name
        )
    ]


def _refs_of(file: SourceText, config: Config) -> set[Reference]:
    """The references in ``file`` to resolve: valid, static, not ignored."""
    return {
        named[0]
        for occ in file.occurrences
        if (named := _reference_of(occ, config)) is not None and named[0] is not None
    }


@contextlib.contextmanager
def _collector_spares_what_lives() -> Iterator[None]:
    """The cyclic collector leaves alone what is alive now (the modules, every file read)
    until the block ends: all of it lives to the end of the run, and a full pass over it
    in the middle of resolving took 15-20 ms with the event loop waiting. Garbage made
    later, the event loop's included, is collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_check(paths: Sequence[str], options: CheckOptions) -> Outcome:
    config = options.config
    cwd = os.getcwd() if options.cwd is None else options.cwd
    rules = selection.selected(config)
    selection.check_selectors(key for keys in config.per_file_ignores.values() for key in keys)
    entries, problems = discovery.discover(
        paths or ["."], exclude=config.excluded, cwd=cwd, extra=config.extra_files
    )
    built = skaffold.built_images((entry.path for entry in entries), cwd)
    if built:  # Skaffold's own output: nothing to resolve or pin (linter/skaffold.py)
        import glob  # a name is a pattern here: an IPv6 host's [ ] must match themselves

        exact = tuple(glob.escape(name) for name in built)
        config = config._replace(ignore_images=config.ignore_images + exact)
    formats = FormatOptions.from_config(config)
    files: list[SourceText] = []
    findings: list[Finding] = []
    skipped: list[FileError] = []
    files_read = reading.read_files(entries, formats, findings, skipped)
    online = not options.offline and (any(rule.online for rule in rules) or options.fix)
    on = {rule.id for rule in rules}
    resolutions: dict[Reference, Resolution] = {}
    fix: Callable[[SourceText, list[Finding]], FileFix] | None = None
    targets = None
    if options.fix:
        from linter import atomic, rewrite

        targets = atomic.Targets()
        fix = functools.partial(
            rewrite.fix_file,
            formats=formats,
            update=options.update,
            dry_run=options.diff,
            targets=targets,
        )

    def settle(index: int) -> tuple[list[Finding], FileFix | None]:
        """One file's findings and, with fix, its fix: run as soon as its images are known.

        A failure here is this file's error: the other files are still checked and
        fixed, and the report lists every file written."""
        file = files[index]
        try:
            found = _evaluate(file, rules, resolutions, config)
            return found, fix(file, found) if fix is not None else None
        except Exception as exc:  # contained per file
            from linter.rewrite import FileFix

            failed = FileFix(file.display)
            failed.errors.append(FileError(file.display, reading.internal_error(exc)))
            return [], failed

    needs: list[set[Reference]] = []
    pipeline: Pipeline[tuple[list[Finding], FileFix | None]] | None = None

    def answered(ref: Reference, resolution: Resolution) -> None:
        resolutions[ref] = resolution
        if pipeline is not None:
            pipeline.answered(ref)

    def start_pipeline() -> None:
        """Once every file is read: those whose answers came meanwhile start at once."""
        nonlocal pipeline
        pipeline = stack.enter_context(Pipeline(needs, settle, answered=resolutions))

    def references() -> Iterator[Reference]:
        """Each file read in turn and its references, the resolution under way meanwhile;
        once all are read, the files whose answers are in start being settled."""
        for file in files_read:
            files.append(file)
            needs.append(_refs_of(file, config))
            yield from needs[-1]
        gc.freeze()  # the files read live to the end of the run too
        start_pipeline()

    registry_problems: tuple[str, ...] = ()
    with contextlib.ExitStack() as stack:
        if online:
            stack.enter_context(_collector_spares_what_lives())
            answers, registry_problems = _resolve(references(), options, on, answered)
            resolutions.update(answers)  # with the ones the deadline cut short
        else:
            files.extend(files_read)
            needs.extend(set() for _ in files)
            start_pipeline()
        assert pipeline is not None
        settled = pipeline.results()
    findings[:] = _suppress_file_findings(findings, files)
    if not any(r.id == "IMG000" for r in rules):
        findings.clear()
    for found, _ in settled:
        findings += found
    errors = [FileError(path, reason) for path, reason in problems]
    fixed: tuple[str, ...] = ()
    diffs: tuple[str, ...] = ()
    file_fixes = [fix for _, fix in settled if fix is not None]
    if fix is not None or file_fixes:
        from linter import rewrite

        if targets is not None:
            # Digests that go into another file (a Compose project's .env), now that
            # every file's pins are known.
            file_fixes += rewrite.fix_elsewhere(
                file_fixes, root=cwd, dry_run=options.diff, targets=targets
            )

        result = rewrite.combine(findings, file_fixes)
        findings, fixed, diffs = result.findings, result.fixed_files, result.diffs
        errors += result.errors
    findings.sort(key=Finding.sort_key)
    report = Report(
        findings=tuple(findings),
        files_scanned=len(files),
        images=sum(len(f.occurrences) for f in files),
        errors=tuple(errors),
        registry_problems=registry_problems,
        fixed_files=fixed,
        skipped=tuple(skipped),
        verbose=options.verbose,
        root=cwd,
    )
    return Outcome(report.redacted(), diffs)
