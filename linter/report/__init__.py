"""Reporters: one module per output format, each ``render(report) -> str``.

Only reporters and the CLI print; a reporter returns text and the CLI writes it.
"""

from __future__ import annotations

# The values reporters read live with the others (linter.model): the format modules
# import them from there, and this module imports the format modules.
from linter.model import FileError, Report

__all__ = ["FORMATS", "FileError", "Report", "render"]


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
