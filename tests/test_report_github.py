from __future__ import annotations

from pathlib import Path

import pytest
from report_factory import assert_golden, finding, many_report, sample_report

from linter.model import Level
from linter.report import Report, github, markdown


@pytest.mark.parametrize(
    ("name", "report"),
    [
        ("findings", sample_report()),
        ("findings-verbose", sample_report(verbose=True)),
        ("clean", Report((), 2, 3)),
        ("overflow", many_report(13)),
    ],
)
def test_golden(name: str, report: Report) -> None:
    assert_golden(f"github/{name}.txt", github.render(report))


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("nginx:1.27", "nginx:1.27", "nginx%3A1.27"),
        ("a,b", "a,b", "a%2Cb"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_escaping(text: str, data: str, prop: str) -> None:
    assert github.escape_data(text) == data
    assert github.escape_property(text) == prop


@pytest.mark.parametrize(
    ("level", "command"),
    [(Level.ERROR, "::error "), (Level.WARNING, "::warning "), (Level.INFO, "::notice ")],
)
def test_levels(level: Level, command: str) -> None:
    assert github.annotation(finding("a.yaml", 1, 1, level=level)).startswith(command)


def test_annotation_properties() -> None:
    line = github.annotation(finding("deploy/a,b:c.yaml", 12, 16, suggestion="x@sha256:1"))
    assert line == (
        "::error file=deploy/a%2Cb%3Ac.yaml,line=12,endLine=12,col=16,endColumn=26,"
        "title=IMG001 unpinned-tag::image 'nginx:1.27' breaks unpinned-tag%0APinned: x@sha256:1"
    )


def test_a_message_cannot_start_another_command() -> None:
    evil = finding("a.yaml", 1, 1, message="x\n::error file=b.yaml::forged")
    assert github.render(Report((evil,), 1, 1)).count("\n") == 1


def test_overflow_lines_are_never_commands() -> None:
    report = Report(tuple(finding(f"::warning::{i}.yaml", i + 1, 1) for i in range(15)), 15, 15)
    lines = github.render(report).splitlines()
    assert sum(line.startswith("::") for line in lines) == github.ANNOTATIONS_PER_LEVEL
    assert lines[github.ANNOTATIONS_PER_LEVEL].startswith("imagepin: 5 more findings")


def test_limits_are_per_level() -> None:
    findings = tuple(
        finding("a.yaml", i + 1, 1, level=level)
        for level in (Level.ERROR, Level.WARNING)
        for i in range(12)
    )
    text = github.render(Report(findings, 1, 24))
    assert text.count("::error ") == text.count("::warning ") == github.ANNOTATIONS_PER_LEVEL
    assert "imagepin: 4 more findings" in text


def test_step_summary_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/app")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://ghe.example.com")
    github.write_step_summary(sample_report())
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n" + markdown.MARKER)
    assert "(https://ghe.example.com/octo/app/blob/abc123/deploy/app.yaml#L12)" in text


def test_no_step_summary_outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    github.write_step_summary(sample_report())  # nothing to write to, nothing raised


@pytest.mark.parametrize(
    ("env", "links"),
    [
        ({}, None),
        ({"GITHUB_REPOSITORY": "o/r"}, None),
        ({"GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "s"}, "https://github.com/o/r/blob/s/"),
        (
            {"GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "s", "GITHUB_SERVER_URL": "https://h/"},
            "https://h/o/r/blob/s/",
        ),
    ],
)
def test_blob_links(
    env: dict[str, str], links: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert github.blob_links() == links
