"""Reporters: one module per output format, each ``render(report) -> str``.

Only reporters and the CLI print; a reporter returns text and the CLI writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from linter.model import Finding, Level
from linter.redact import scrub


@dataclass(frozen=True)
class FileError:
    """A file that was not linted, and why (unreadable, not UTF-8, a directory, …)."""

    path: str
    message: str
    #: Where in the file, for a problem at one place (an image fix could not pin).
    line: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        """``path:line:col``, as findings are located, or the path alone."""
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files_scanned: int
    images: int
    errors: tuple[FileError, ...] = ()
    #: Registries that could not be reached or refused us, with a one-line reason each.
    registry_problems: tuple[str, ...] = ()
    #: Files rewritten by ``fix``.
    fixed_files: tuple[str, ...] = ()
    #: Files read but skipped without a finding, and why (a template; not YAML, and no
    #: image key in it; "disable-file": those are not counted in ``files_scanned``).
    skipped: tuple[FileError, ...] = ()
    #: Show info-level findings (``-v``).
    verbose: bool = False
    #: The directory paths are relative to (for SARIF ``%SRCROOT%`` and links).
    root: str = "."
    extra: dict[str, str] = field(default_factory=dict)

    def redacted(self) -> Report:
        """The report with every known secret taken out of its messages (linter.redact)."""
        findings = tuple(
            f if (m := scrub(f.message)) == f.message else replace(f, message=m)
            for f in self.findings
        )
        return replace(
            self,
            findings=findings,
            errors=tuple(replace(e, message=scrub(e.message)) for e in self.errors),
            registry_problems=tuple(scrub(problem) for problem in self.registry_problems),
            extra={key: scrub(value) for key, value in self.extra.items()},
        )

    def visible(self) -> tuple[Finding, ...]:
        """Findings to show: info ones only with -v."""
        if self.verbose:
            return self.findings
        return tuple(f for f in self.findings if f.level >= Level.WARNING)


FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")


def render(fmt: str, report: Report, *, color: bool = False, quiet: bool = False) -> str:
    if fmt == "text":
        from linter.report import text

        return text.render(report, color=color, quiet=quiet)
    if fmt == "json":
        from linter.report import json_format

        return json_format.render(report)
    if fmt == "sarif":
        from linter.report import sarif

        return sarif.render(report)
    if fmt == "github":
        from linter.report import github

        return github.render(report)
    if fmt == "markdown":
        from linter.report import markdown

        return markdown.render(report)
    if fmt == "gitlab":
        from linter.report import gitlab

        return gitlab.render(report)
    raise ValueError(f"unknown format {fmt!r}")
