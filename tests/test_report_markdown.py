from __future__ import annotations

import pytest
from report_factory import assert_golden, finding, many_report, sample_report

from linter.model import Level
from linter.report import FileError, Report, markdown

LINKS = "https://github.com/octo/app/blob/0123abc/"


@pytest.mark.parametrize(
    ("name", "report", "links"),
    [
        ("findings", sample_report(), LINKS),
        ("findings-verbose", sample_report(verbose=True), None),
        ("clean", Report(findings=(), files_scanned=3, images=1), None),
        (
            "clean-not-everything-checked",
            Report((), 3, 1, errors=(FileError("a.yaml", "is a directory"),)),
            None,
        ),
        ("many-collapsed", many_report(12), LINKS),
    ],
)
def test_golden(name: str, report: Report, links: str | None) -> None:
    assert_golden(f"markdown/{name}.md", markdown.render(report, links=links))


def test_marker_is_the_first_line() -> None:
    assert markdown.render(sample_report()).splitlines()[0] == markdown.MARKER


@pytest.mark.parametrize(
    ("rows", "collapsed"),
    [(0, False), (1, False), (markdown.COLLAPSE_AFTER, False), (markdown.COLLAPSE_AFTER + 1, True)],
)
def test_long_tables_are_collapsed(rows: int, collapsed: bool) -> None:
    body = markdown.render(many_report(rows))
    assert ("<details>" in body) is collapsed
    assert body.count("| [`apps/") + body.count("| `apps/") == rows


@pytest.mark.parametrize("limit", [4_000, 10_000, markdown.COMMENT_LIMIT])
def test_truncation_stays_under_the_limit_and_says_how_many_were_cut(limit: int) -> None:
    report = many_report(1_000)
    body = markdown.render(report, links=LINKS, limit=limit)
    shown = body.count("| [`apps/")
    assert len(body.encode("utf-8")) <= limit
    assert 0 < shown < 1_000
    assert f"✂️ {1_000 - shown:,} more images not shown" in body
    tail = markdown._cut_note(1_000 - shown, limit) + markdown._fix_note(report.findings)
    assert body.endswith("</details>\n" + tail)


def test_no_truncation_note_when_everything_fits() -> None:
    assert "✂️" not in markdown.render(many_report(100))


def test_the_default_limit_keeps_comments_postable() -> None:
    assert markdown.COMMENT_LIMIT < 65_536


def test_problem_lists_are_capped() -> None:
    errors = tuple(FileError(f"f{i}.yaml", "unreadable") for i in range(30))
    body = markdown.render(Report((), 30, 0, errors=errors))
    assert body.count("- `f") == markdown.PROBLEMS_SHOWN
    assert "- … and 10 more" in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain words", "plain words"),
        ("a | b", "a \\| b"),
        ("<script>", "\\<script\\>"),
        ("*bold* _it_ `code` [link]", "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\]"),
        ("ping @admin now", "ping @\u200badmin now"),
        ("user@example.com", "user@\u200bexample.com"),
        ("two\nlines", "two lines"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_plain(value: str, expected: str) -> None:
    assert markdown.plain(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nginx:1.27", "`nginx:1.27`"),
        ("", "—"),
        ("a|b", "`a\\|b`"),
        ("a`b", "``a`b``"),
        ("`edge`", "`` `edge` ``"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_code(value: str, expected: str) -> None:
    assert markdown.code(value) == expected


@pytest.mark.parametrize(
    ("levels", "verdict"),
    [
        ((), "✅ **imagepin found no problems** (2 images in 1 file checked)."),
        ((Level.ERROR,), "❌ **imagepin found 1 error** in 1 file (2 images in 1 file checked)."),
        (
            (Level.WARNING, Level.ERROR, Level.ERROR),
            "❌ **imagepin found 2 errors and 1 warning** in 1 file (2 images in 1 file checked).",
        ),
        (
            (Level.WARNING, Level.WARNING),
            "⚠️ **imagepin found 2 warnings** in 1 file (2 images in 1 file checked).",
        ),
        (
            (Level.INFO,),
            "ℹ️ **imagepin found 1 note** in 1 file (2 images in 1 file checked).",
        ),
    ],
)
def test_verdict(levels: tuple[Level, ...], verdict: str) -> None:
    findings = tuple(finding("a.yaml", i + 1, 1, level=level) for i, level in enumerate(levels))
    report = Report(findings, files_scanned=1, images=2, verbose=True)
    assert markdown.verdict(report) == verdict


def test_info_findings_need_verbose() -> None:
    report = sample_report()
    assert "IMG006" not in markdown.render(report)
    assert "IMG006" in markdown.render(sample_report(verbose=True))


def test_absolute_paths_are_not_linked() -> None:
    report = Report((finding("/etc/app.yaml", 1, 1),), 1, 1)
    assert "](" not in markdown.render(report, links=LINKS)


REAL = "sha256:1a2b3c4d" + "5e" * 28


def test_one_row_per_reference_with_every_finding_about_it() -> None:
    pinned = f"ghcr.io/other/app:1.0@{REAL}"
    report = Report(
        findings=(
            finding("a.yaml", 3, 9, "IMG001", "evil.io/app:1", suggestion=f"evil.io/app:1@{REAL}"),
            finding("a.yaml", 3, 9, "IMG007", "evil.io/app:1", message="outside allowed"),
            finding("a.yaml", 5, 9, "IMG005", pinned, suggestion=pinned.replace("1a2b", "9f8e")),
        ),
        files_scanned=1,
        images=2,
    )
    body = markdown.render(report)
    rows = [line for line in body.splitlines() if line.startswith("| `a.yaml")]
    assert rows == [
        "| `a.yaml:3` | `evil.io/app:1` | ❌ **IMG001** unpinned-tag: image 'evil.io/app:1' "
        "breaks unpinned-tag<br>❌ **IMG007** untrusted-registry: outside allowed "
        "| `evil.io/app:1@sha256:1a2b3c4d…` |",
        "| `a.yaml:5` | `ghcr.io/other/app:1.0@sha256:1a2b3c4d…` | ⚠️ **IMG005** stale-digest: "
        "image 'ghcr.io/other/app:1.0@\u200bsha256:1a2b3c4d…' breaks stale-digest "
        "| `ghcr.io/other/app:1.0@sha256:9f8e3c4d…` |",
    ]
    assert body.endswith("To pin them, run:\n\n```sh\nimagepin fix --update a.yaml\n```\n")


@pytest.mark.parametrize(
    ("paths", "command"),
    [
        (["b.yaml", "a.yaml", "b.yaml"], "imagepin fix a.yaml b.yaml"),
        (["odd dir/x.yaml", "it's.yaml"], "imagepin fix 'it'\"'\"'s.yaml' 'odd dir/x.yaml'"),
        (
            [f"apps/{i:02}/x.yaml" for i in range(15)] + [f"base/{i}.yaml" for i in range(10)],
            "imagepin fix " + " ".join(f"apps/{i:02}" for i in range(15)) + " base",
        ),
        ([f"{i}.yaml" for i in range(21)] + ["deep/er/x.yaml"], "imagepin fix ."),
    ],
)
def test_the_fix_command_names_the_files(paths: list[str], command: str) -> None:
    findings = [finding(p, 1, 1, "IMG001", suggestion=f"nginx:1.27@{REAL}") for p in paths]
    assert markdown.fix_command(findings) == command


def test_no_fix_command_without_a_pin_to_write() -> None:
    findings = [finding("a.yaml", 1, 1, "IMG003"), finding("a.yaml", 2, 1, "IMG001")]
    assert markdown.fix_command(findings) is None
    assert "imagepin fix" not in markdown.render(Report(tuple(findings), 1, 2))


def test_long_problem_lists_are_folded() -> None:
    errors = tuple(
        FileError(f"f{i}.yaml", "unreadable") for i in range(markdown.COLLAPSE_AFTER + 1)
    )
    body = markdown.render(Report((), 30, 0, errors=errors))
    assert "<details>\n<summary>11 files and registries not checked</summary>" in body
