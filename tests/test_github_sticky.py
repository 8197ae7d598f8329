from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_github import BOT, FakeGitHub, serve

from linter.github import sticky
from linter.github.client import GitHubClient
from linter.github.context import PullRequest

MARKER = "<!-- imagepin -->"
HUMAN = {"login": "alice", "type": "User"}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with serve(page_size=2) as server:
        yield server


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    with GitHubClient(fake.url, fake.token, mutation_interval=0) as github:
        yield github


def _pull(fake: FakeGitHub) -> PullRequest:
    return PullRequest(fake.url, fake.repository, fake.number, fake.head_sha)


def _upsert(
    fake: FakeGitHub, client: GitHubClient, body: str, *, clean: bool = False, delete: bool = False
) -> sticky.Action:
    return sticky.upsert(client, _pull(fake), MARKER, body, clean=clean, delete=delete)


def test_first_run_creates(fake: FakeGitHub, client: GitHubClient) -> None:
    assert _upsert(fake, client, f"{MARKER}\nreport") is sticky.Action.CREATED
    assert [c["body"] for c in fake.issue_comments] == [f"{MARKER}\nreport"]
    assert fake.problems == []


def test_second_run_updates_the_same_comment_found_on_a_later_page(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    for i in range(3):
        fake.add_issue_comment(f"chatter {i}", HUMAN)
    ours = fake.add_issue_comment(f"{MARKER}\nold")
    assert _upsert(fake, client, f"{MARKER}\nnew") is sticky.Action.UPDATED
    assert ours["body"] == f"{MARKER}\nnew"
    assert len(fake.issue_comments) == 4
    assert fake.calls("PATCH") == [("PATCH", f"/repos/octo/app/issues/comments/{ours['id']}")]
    assert fake.calls("POST") == []


def test_an_identical_body_is_not_rewritten(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.add_issue_comment(f"{MARKER}\nsame")
    assert _upsert(fake, client, f"{MARKER}\nsame") is sticky.Action.UNCHANGED
    assert fake.calls("PATCH") == []


@pytest.mark.parametrize(
    "user",
    [HUMAN, {"login": "github-actions", "type": "User"}, None],
)
def test_a_comment_quoting_the_marker_is_not_hijacked(
    fake: FakeGitHub, client: GitHubClient, user: dict[str, str] | None
) -> None:
    quoted = fake.add_issue_comment(f"> {MARKER}\nwhat is this?", HUMAN)
    quoted["user"] = user
    assert _upsert(fake, client, f"{MARKER}\nreport") is sticky.Action.CREATED
    assert quoted["body"] == f"> {MARKER}\nwhat is this?"


def test_only_the_first_bot_comment_is_updated(fake: FakeGitHub, client: GitHubClient) -> None:
    first = fake.add_issue_comment(f"{MARKER}\none")
    second = fake.add_issue_comment(f"{MARKER}\ntwo")
    _upsert(fake, client, f"{MARKER}\nthree")
    assert (first["body"], second["body"]) == (f"{MARKER}\nthree", f"{MARKER}\ntwo")


@pytest.mark.parametrize(
    ("existing", "delete", "action", "bodies"),
    [
        (False, False, sticky.Action.NONE, []),
        (False, True, sticky.Action.NONE, []),
        (True, False, sticky.Action.UPDATED, [f"{MARKER}\nall good"]),
        (True, True, sticky.Action.DELETED, []),
    ],
)
def test_clean_runs(
    fake: FakeGitHub,
    client: GitHubClient,
    existing: bool,
    delete: bool,
    action: sticky.Action,
    bodies: list[str],
) -> None:
    if existing:
        fake.add_issue_comment(f"{MARKER}\n3 errors")
    assert _upsert(fake, client, f"{MARKER}\nall good", clean=True, delete=delete) is action
    assert [c["body"] for c in fake.issue_comments] == bodies
    assert fake.calls("POST") == []
    assert fake.problems == []


@pytest.mark.parametrize(
    ("item", "bot"),
    [
        ({"user": BOT}, True),
        ({"user": {"login": "renovate[bot]", "type": "Bot"}}, True),
        ({"user": {"login": "github-actions[bot]"}}, True),
        ({"user": HUMAN}, False),
        ({"user": None}, False),
        ({}, False),
    ],
)
def test_is_bot(item: dict[str, object], bot: bool) -> None:
    assert sticky.is_bot(item) is bot
