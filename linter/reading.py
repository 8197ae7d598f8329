"""Files to texts and their image occurrences, one at a time, with the reasons of those not read.

The first step of the line (linter/engine.py): each file read (``source``), left out
when it says ``disable-file``, and extracted (``extract``); a file that cannot be
read or parsed is a finding (IMG000) or a file skipped with the reason, never the
end of the run.
"""

from collections.abc import Iterator, Sequence

from linter import discovery, extract, source, suppress
from linter.extract.options import FormatOptions
from linter.model import FileError, Finding, SourceText
from linter.rules import yaml_syntax


def syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    rule = yaml_syntax.RULE
    return Finding(path, line, column, line, column, rule.id, rule.name, rule.level, message, "")


def internal_error(exc: Exception) -> str:
    from linter.registry.errors import one_line

    return f"internal error: {one_line(exc)}"


def read_files(
    entries: Sequence[discovery.SourceFile],
    formats: FormatOptions,
    findings: list[Finding],
    skipped: list[FileError],
) -> Iterator[SourceText]:
    """The files read and extracted, one at a time; IMG000 findings and the files skipped
    (with the reason) are added to ``findings`` and ``skipped`` as they are met: those
    ``disable-file`` leaves out are read, not checked, and not counted as checked."""
    for entry in entries:
        try:
            src = source.read(entry.path)
        except source.SourceError as exc:
            if discovery.file_format(entry.display) == discovery.QUADLET:
                # ``disk.image`` is as often a binary as a Quadlet unit: not ours to judge.
                skipped.append(FileError(entry.display, f"not read: {exc}"))
            else:
                findings.append(syntax_finding(entry.display, 1, 1, f"cannot read: {exc}"))
            continue
        if suppress.disables_file(src.text):
            skipped.append(FileError(entry.display, suppress.DISABLE_FILE))
            continue
        try:
            result = extract.extract(entry.display, src.text, formats)
        except Exception as exc:  # contained per file: the others are still read
            findings.append(syntax_finding(entry.display, 1, 1, internal_error(exc)))
            continue
        if result.syntax_error is not None:
            error = result.syntax_error
            findings.append(syntax_finding(entry.display, error.line, error.column, error.message))
        if result.skipped is not None:
            skipped.append(FileError(entry.display, result.skipped))
        yield SourceText(
            entry.path, entry.display, src.text, src.encoding, result.occurrences, entry.root
        )
