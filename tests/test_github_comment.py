"""``imagepin comment`` end to end: the command against the fake GitHub, in a copy of a repo."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import FakeGitHub, serve
from report_factory import GOLDEN, assert_golden

from linter.commands import comment
from linter.fixer import Pin, fix_text
from linter.github import report_file
from linter.report import markdown

FIXTURE = GOLDEN / "action"


def added(text: str) -> str:
    """The patch of a new file."""
    lines = text.splitlines()
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join("+" + line for line in lines)


def app_patch(repo: Path) -> str:
    """deploy/app.yaml changed lines 9-12 (the web and cache containers), not the init one."""
    lines = (repo / "deploy" / "app.yaml").read_text(encoding="utf-8").splitlines()
    shown = [" " + line for line in lines[7:12]]
    # Old side: the context line and the removed one; new side: the context and four added.
    return "@@ -8,2 +8,5 @@\n" + "\n".join(
        [*shown[:1], "-        - name: old", *["+" + s[1:] for s in shown[1:]]]
    )


def patches(repo: Path) -> dict[str, str | None]:
    return {
        "compose.yaml": added((repo / "compose.yaml").read_text(encoding="utf-8")),
        "deploy/app.yaml": app_patch(repo),
        "kustomization.yaml": added((repo / "kustomization.yaml").read_text(encoding="utf-8")),
        "docs/diagram.png": None,
    }


def run_comment(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="imagepin")
    comment.add_parser(parser.add_subparsers())
    args = parser.parse_args(["comment", *argv])
    status: int = args.func(args)
    return status


def write_event(path: Path, fake: FakeGitHub, head_repo: str | None) -> None:
    head = {"sha": fake.head_sha, "repo": {"full_name": head_repo} if head_repo else None}
    pull = {"number": fake.number, "head": head, "base": {"repo": {"full_name": fake.repository}}}
    path.write_text(json.dumps({"number": fake.number, "pull_request": pull}), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE / "repo", tmp_path / "repo")
    shutil.copy(FIXTURE / "imagepin.json", tmp_path / "imagepin.json")
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture
def fake(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with serve(page_size=3) as server:
        server.files = patches(repo)
        event = tmp_path / "event.json"
        write_event(event, server, server.repository)
        for name, value in {
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REPOSITORY": server.repository,
            "GITHUB_API_URL": server.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_TOKEN": server.token,
        }.items():
            monkeypatch.setenv(name, value)
        yield server


def apply_suggestions(text: str, suggestions: list[tuple[int, str]]) -> str:
    lines = text.split("\n")
    for line, after in sorted(suggestions, reverse=True):
        lines[line - 1 : line] = after.split("\n")
    return "\n".join(lines)


def suggested(fake: FakeGitHub, path: str) -> list[tuple[int, str]]:
    result = []
    for item in fake.review_comments:
        if item["path"] == path:
            block = item["body"].split("```suggestion\n", 1)[1].rsplit("\n```", 1)[0]
            result.append((item["line"], block))
    return result


def test_first_run_posts_the_comment_and_suggestions(
    fake: FakeGitHub, repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_comment("--from-json", str(tmp_path / "imagepin.json"), "--suggestions") == 0
    assert fake.problems == []  # among others: no 422 for a line outside the diff
    (posted,) = fake.issue_comments
    assert_golden("action/comment.md", posted["body"])
    assert sorted((c["path"], c["line"]) for c in fake.review_comments) == [
        ("compose.yaml", 3),
        ("compose.yaml", 5),
        ("deploy/app.yaml", 10),
        ("deploy/app.yaml", 12),
        ("kustomization.yaml", 7),
    ]
    assert "comment created on octo/app#7; 5 suggestions posted" in capsys.readouterr().err


@pytest.mark.parametrize("path", ["compose.yaml", "deploy/app.yaml", "kustomization.yaml"])
def test_applied_suggestions_equal_what_fix_writes(
    fake: FakeGitHub, repo: Path, tmp_path: Path, path: str
) -> None:
    run_comment("--from-json", str(tmp_path / "imagepin.json"), "--suggestions")
    report = report_file.load(str(tmp_path / "imagepin.json"))
    text = (repo / path).read_text(encoding="utf-8")
    lines = {line for line, _ in suggested(fake, path)}
    pins = [
        Pin(f.occurrence, f.suggestion.rpartition("@")[2])
        for f in report.findings
        if f.path == path and f.occurrence and f.suggestion and f.line in lines
    ]
    assert len(pins) == len(lines) > 0
    expected = fix_text(path, text, pins)
    assert expected.error is None
    assert apply_suggestions(text, suggested(fake, path)) == expected.text


def test_second_run_updates_without_duplicates(fake: FakeGitHub, tmp_path: Path) -> None:
    report = str(tmp_path / "imagepin.json")
    run_comment("--from-json", report, "--suggestions")
    document = json.loads(Path(report).read_text(encoding="utf-8"))
    document["findings"] = document["findings"][1:]
    Path(report).write_text(json.dumps(document), encoding="utf-8")
    assert run_comment("--from-json", report, "--suggestions") == 0
    assert len(fake.issue_comments) == 1
    assert "imagepin found 5 errors" in fake.issue_comments[0]["body"]
    assert fake.calls("PATCH") == [
        ("PATCH", f"/repos/octo/app/issues/comments/{fake.issue_comments[0]['id']}")
    ]
    assert len(fake.reviews) == 1
    assert len(fake.review_comments) == 5
    assert fake.problems == []


@pytest.mark.parametrize(
    ("flags", "left"),
    [((), 1), (("--when-clean", "delete"), 0)],
)
def test_a_clean_run_resolves_the_comment(
    fake: FakeGitHub, tmp_path: Path, flags: tuple[str, ...], left: int
) -> None:
    report = tmp_path / "imagepin.json"
    run_comment("--from-json", str(report))
    document = json.loads(report.read_text(encoding="utf-8"))
    report.write_text(json.dumps({**document, "findings": []}), encoding="utf-8")
    assert run_comment("--from-json", str(report), *flags) == 0
    assert len(fake.issue_comments) == left
    if left:
        assert "✅ **imagepin found no problems**" in fake.issue_comments[0]["body"]


def test_rate_limited_then_retried(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.fail_next("POST", 403, "You have exceeded a secondary rate limit", **{"retry-after": "0"})
    assert run_comment("--from-json", str(tmp_path / "imagepin.json")) == 0
    assert fake.calls("POST") == [("POST", "/repos/octo/app/issues/7/comments")] * 2
    assert len(fake.issue_comments) == 1


def test_fork_pull_requests_print_the_report_instead(
    fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_event(tmp_path / "event.json", fake, "someone/fork")
    assert run_comment("--from-json", str(tmp_path / "imagepin.json"), "--suggestions") == 0
    out, err = capsys.readouterr()
    assert out.startswith(markdown.MARKER)
    assert "not commenting: the pull request comes from a fork" in err
    assert fake.requests == []


def test_a_read_only_token_prints_the_report_instead(
    fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.read_only = True
    assert run_comment("--from-json", str(tmp_path / "imagepin.json"), "--suggestions") == 0
    out, err = capsys.readouterr()
    assert out.startswith(markdown.MARKER)
    assert "Resource not accessible by integration" in err
    assert fake.issue_comments == []


def test_offline_check_run(fake: FakeGitHub, repo: Path) -> None:
    assert run_comment("--offline", ".", "--suggestions") == 0
    (posted,) = fake.issue_comments
    assert "imagepin found 6 errors" in posted["body"]
    assert "`ghcr.io/acme/migrate:2.0`" in posted["body"]
    assert fake.reviews == []  # offline: no digests, nothing to suggest


@pytest.mark.parametrize(
    ("env", "argv", "message"),
    [
        ({"GITHUB_TOKEN": None}, (), "$GITHUB_TOKEN is not set"),
        ({"MY_TOKEN": None}, ("--token-env", "MY_TOKEN"), "$MY_TOKEN is not set"),
        ({"GITHUB_EVENT_PATH": None}, (), "no pull request"),
        ({"GITHUB_REPOSITORY": None}, (), "no repository"),
        (
            {"GITHUB_TOKEN": "ghp_pasted-with-its-line-break\n"},
            (),
            "$GITHUB_TOKEN holds a control character (a line break, a tab or the like); not used",
        ),
        (
            {"GITHUB_TOKEN": "Bearer ghp_pasted-whole"},
            (),
            "$GITHUB_TOKEN holds a character an HTTP header cannot carry",
        ),
        ({}, ("--from-json", "missing.json"), "cannot read missing.json"),
    ],
)
def test_usage_errors(
    fake: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str | None],
    argv: tuple[str, ...],
    message: str,
) -> None:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if "--from-json" not in argv:
        argv = (*argv, "--from-json", str(tmp_path / "imagepin.json"))
    assert run_comment(*argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "ghp_" not in err  # a token is named by its variable, never shown
    assert fake.calls() == []


def test_flags_instead_of_the_environment(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_EVENT_PATH", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_TOKEN", fake.token)
    argv = ["--repo", "octo/app", "--pr", "7", "--api-url", fake.url, "--token-env", "BOT_TOKEN"]
    assert run_comment(*argv, "--from-json", str(tmp_path / "imagepin.json")) == 0
    assert fake.calls()[0] == ("GET", "/repos/octo/app/pulls/7")  # head commit for links
    assert len(fake.issue_comments) == 1
