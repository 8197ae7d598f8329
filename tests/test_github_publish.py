from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fake_github import FakeGitHub, serve
from report_factory import DIGEST_A, DIGEST_B, finding_in

from linter.github import sticky
from linter.github.client import GitHubClient, ReadOnlyToken
from linter.github.context import PullRequest
from linter.github.publish import Options, Outcome, is_clean, publish
from linter.report import FileError, Report, markdown

PATH = "deploy/app.yaml"
TEXT = "kind: Pod\nspec:\n  containers:\n    - image: nginx:1.27\n    - image: redis:7\n"
PATCH = "@@ -3,2 +3,3 @@\n   containers:\n-    - image: nginx:1.26\n+    - image: nginx:1.27\n+    - image: redis:7"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with serve(files={PATH: PATCH}) as server:
        yield server


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    with GitHubClient(fake.url, fake.token, mutation_interval=0) as github:
        yield github


@pytest.fixture
def report(tmp_path: Path) -> Report:
    (tmp_path / "deploy").mkdir()
    (tmp_path / PATH).write_text(TEXT, encoding="utf-8")
    findings = (
        finding_in(TEXT, "nginx:1.27", PATH),
        finding_in(TEXT, "redis:7", PATH),
    )
    return Report(findings, files_scanned=1, images=2, root=str(tmp_path))


def _pull(fake: FakeGitHub, head_sha: str | None = None) -> PullRequest:
    return PullRequest(fake.url, fake.repository, fake.number, head_sha or fake.head_sha)


SUGGEST = Options(suggestions=True)


def test_first_run_creates_the_comment_and_the_suggestions(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    outcome = publish(client, _pull(fake), report, SUGGEST)
    assert outcome == Outcome(sticky.Action.CREATED, 2)
    (comment,) = fake.issue_comments
    assert comment["body"] == markdown.render(
        report, links=f"https://github.com/octo/app/blob/{fake.head_sha}/"
    )
    assert [c["line"] for c in fake.review_comments] == [4, 5]
    assert fake.problems == []


def test_second_run_updates_without_duplicates(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    publish(client, _pull(fake), report, SUGGEST)
    assert publish(client, _pull(fake), report, SUGGEST) == Outcome(sticky.Action.UNCHANGED, 0)
    changed = report._replace(findings=report.findings[:1])
    assert publish(client, _pull(fake), changed, SUGGEST) == Outcome(sticky.Action.UPDATED, 0)
    assert len(fake.issue_comments) == 1
    assert len(fake.reviews) == 1
    assert len(fake.review_comments) == 2
    assert fake.problems == []


def test_a_moved_tag_is_suggested_again(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    publish(client, _pull(fake), report, SUGGEST)
    moved = report._replace(
        findings=tuple(
            f._replace(suggestion=f.suggestion.replace(DIGEST_A, DIGEST_B)) for f in report.findings
        ),
    )
    assert publish(client, _pull(fake), moved, SUGGEST).suggested == 2


@pytest.mark.parametrize(
    ("options", "action", "comments"),
    [
        (Options(), sticky.Action.UPDATED, 1),
        (Options(delete_when_clean=True), sticky.Action.DELETED, 0),
    ],
)
def test_a_clean_run_resolves_the_comment(
    fake: FakeGitHub,
    client: GitHubClient,
    report: Report,
    options: Options,
    action: sticky.Action,
    comments: int,
) -> None:
    publish(client, _pull(fake), report, options)
    clean = report._replace(findings=())
    assert publish(client, _pull(fake), clean, options) == Outcome(action)
    assert len(fake.issue_comments) == comments
    if comments:
        assert "✅ **imagepin found no problems**" in fake.issue_comments[0]["body"]


def test_a_clean_first_run_posts_nothing(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    assert publish(client, _pull(fake), report._replace(findings=()), SUGGEST) == Outcome(
        sticky.Action.NONE
    )
    assert fake.calls("POST") == []


def test_no_suggestions_unless_asked(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    assert publish(client, _pull(fake), report, Options()) == Outcome(sticky.Action.CREATED)
    assert fake.reviews == []


def test_the_head_commit_is_asked_for_when_the_event_does_not_say(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    pull = replace(_pull(fake), head_sha=None)
    assert publish(client, pull, report, SUGGEST).suggested == 2
    assert fake.calls()[0] == ("GET", f"/repos/octo/app/pulls/{fake.number}")
    assert fake.reviews[0]["commit_id"] == fake.head_sha


def test_a_rejected_review_is_a_note_not_a_failure(
    fake: FakeGitHub, client: GitHubClient, report: Report
) -> None:
    fake.add_issue_comment(f"{markdown.MARKER}\nold")
    fake.fail_next("POST", 422, "Validation Failed")
    outcome = publish(client, _pull(fake), report, SUGGEST)
    assert outcome.comment is sticky.Action.UPDATED
    assert outcome.suggested == 0
    assert outcome.notes == (
        "GitHub rejected the review suggestions: "
        f"POST /repos/octo/app/pulls/{fake.number}/reviews: 422 Validation Failed",
    )


def test_a_read_only_token_raises(fake: FakeGitHub, client: GitHubClient, report: Report) -> None:
    fake.read_only = True
    with pytest.raises(ReadOnlyToken):
        publish(client, _pull(fake), report, SUGGEST)


@pytest.mark.parametrize(
    ("changes", "clean"),
    [
        ({}, True),
        ({"errors": (FileError("a.yaml", "unreadable"),)}, False),
        ({"registry_problems": ("ghcr.io: refused",)}, False),
    ],
)
def test_is_clean(changes: dict[str, object], clean: bool) -> None:
    assert is_clean(Report((), 1, 1)._replace(**changes)) is clean
