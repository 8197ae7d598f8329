from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_github import NOT_ACCESSIBLE, FakeGitHub, serve

from linter.github import client as client_module
from linter.github.client import GitHubClient, GitHubError, ReadOnlyToken, rate_limit_wait

NOW = 1_700_000_000.0


class Clock:
    """A clock that only moves when the client sleeps: no test waits for real."""

    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with serve(page_size=2) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(fake: FakeGitHub, clock: Clock) -> Iterator[GitHubClient]:
    with GitHubClient(fake.url, fake.token, sleep=clock.sleep, clock=clock.time) as github:
        yield github


COMMENTS = "/repos/octo/app/issues/7/comments"


def test_sends_auth_and_the_documented_headers(fake: FakeGitHub, client: GitHubClient) -> None:
    client.request("POST", COMMENTS, json={"body": "hi"})
    assert fake.problems == []
    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {fake.token}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["user-agent"].startswith("imagepin/")


def test_a_wrong_token_is_an_error(fake: FakeGitHub, clock: Clock) -> None:
    github = GitHubClient(fake.url, "wrong", sleep=clock.sleep, clock=clock.time)
    with github, pytest.raises(GitHubError) as caught:
        github.request("GET", f"/repos/octo/app/pulls/{fake.number}")
    assert caught.value.status == 401
    assert clock.sleeps == []


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_paginates_through_link_headers(fake: FakeGitHub, client: GitHubClient, count: int) -> None:
    for i in range(count):
        fake.add_issue_comment(f"comment {i}")
    bodies = [c["body"] for c in client.paginate(COMMENTS)]
    assert bodies == [f"comment {i}" for i in range(count)]
    assert len(fake.requests) == max(1, (count + 1) // 2)
    assert fake.requests[0].query["per_page"] == ["100"]
    assert all(r.query.get("page", ["1"]) == [str(i + 1)] for i, r in enumerate(fake.requests))


@pytest.mark.parametrize(
    ("headers", "message", "wait"),
    [
        ({"retry-after": "7"}, "", 7.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 42)}, "", 42.0),
        ({}, "You have exceeded a secondary rate limit", client_module.FALLBACK_WAIT),
    ],
)
def test_rate_limited_403_is_retried(
    fake: FakeGitHub,
    client: GitHubClient,
    clock: Clock,
    headers: dict[str, str],
    message: str,
    wait: float,
) -> None:
    fake.fail_next("POST", 403, message, **headers)
    client.request("POST", COMMENTS, json={"body": "hi"})
    assert clock.sleeps == [wait]
    assert fake.calls("POST") == [("POST", COMMENTS)] * 2
    assert [c["body"] for c in fake.issue_comments] == ["hi"]


def test_429_without_headers_backs_off_exponentially(
    fake: FakeGitHub, client: GitHubClient, clock: Clock
) -> None:
    fake.fail_next("GET", 429)
    fake.fail_next("GET", 429)
    assert list(client.paginate(COMMENTS)) == []
    assert clock.sleeps == [client_module.FALLBACK_WAIT, 2 * client_module.FALLBACK_WAIT]


def test_gives_up_after_the_last_attempt(
    fake: FakeGitHub, client: GitHubClient, clock: Clock
) -> None:
    for _ in range(client_module.ATTEMPTS):
        fake.fail_next("GET", 503, "unavailable")
    with pytest.raises(GitHubError) as caught:
        client.request("GET", f"/repos/octo/app/pulls/{fake.number}")
    assert caught.value.status == 503
    assert len(clock.sleeps) == client_module.ATTEMPTS - 1


def test_a_reset_too_far_away_is_not_waited_for(
    fake: FakeGitHub, client: GitHubClient, clock: Clock
) -> None:
    reset = str(int(NOW + client_module.MAX_WAIT) + 60)
    fake.fail_next("GET", 403, "", **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
    with pytest.raises(GitHubError, match="403"):
        client.request("GET", f"/repos/octo/app/pulls/{fake.number}")
    assert clock.sleeps == []


def test_read_only_token_is_not_retried(
    fake: FakeGitHub, client: GitHubClient, clock: Clock
) -> None:
    fake.read_only = True
    with pytest.raises(ReadOnlyToken, match=NOT_ACCESSIBLE):
        client.request("POST", COMMENTS, json={"body": "hi"})
    assert clock.sleeps == []
    assert len(fake.requests) == 1


def test_422_is_not_retried_and_keeps_the_details(
    fake: FakeGitHub, client: GitHubClient, clock: Clock
) -> None:
    fake.files = {"a.yaml": "@@ -1 +1 @@\n-a\n+b"}
    with pytest.raises(GitHubError) as caught:
        client.request(
            "POST",
            "/repos/octo/app/pulls/7/reviews",
            json={
                "commit_id": fake.head_sha,
                "event": "COMMENT",
                "body": "x",
                "comments": [{"path": "a.yaml", "line": 5, "side": "RIGHT", "body": "x"}],
            },
        )
    assert caught.value.status == 422
    assert caught.value.details == ("Pull request review thread line must be part of the diff",)
    assert clock.sleeps == []


def test_mutations_are_spaced(fake: FakeGitHub, client: GitHubClient, clock: Clock) -> None:
    client.request("POST", COMMENTS, json={"body": "one"})
    list(client.paginate(COMMENTS))
    client.request("POST", COMMENTS, json={"body": "two"})
    assert clock.sleeps == [client_module.MUTATION_INTERVAL]


def test_network_errors_are_retried_then_reported(clock: Clock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    github = GitHubClient(
        "http://127.0.0.1:9",
        "t",
        transport=httpx.MockTransport(refuse),
        sleep=clock.sleep,
        clock=clock.time,
    )
    with github, pytest.raises(GitHubError, match="connection refused") as caught:
        github.request("GET", "/repos/o/r/pulls/1")
    assert caught.value.status == 0
    assert clock.sleeps == [2.0, 4.0, 8.0]


def _response(status: int, headers: dict[str, str] | None = None, text: str = "") -> httpx.Response:
    return httpx.Response(status, headers=headers, text=text)


@pytest.mark.parametrize(
    ("response", "attempt", "wait"),
    [
        (_response(200), 0, None),
        (_response(404), 0, None),
        (_response(422), 0, None),
        (_response(403, text='{"message": "Resource not accessible by integration"}'), 0, None),
        (_response(403, {"retry-after": "3"}), 0, 3.0),
        (_response(429, {"retry-after": "soon"}), 0, client_module.FALLBACK_WAIT),
        (
            _response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 5)}),
            0,
            5.0,
        ),
        (
            _response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 5)}),
            0,
            0.0,
        ),
        (_response(403, {"x-ratelimit-remaining": "12"}, "secondary rate limit"), 1, 120.0),
        (_response(429), 2, 240.0),
        (_response(502), 0, 2.0),
        (_response(503), 2, 8.0),
    ],
)
def test_rate_limit_wait(response: httpx.Response, attempt: int, wait: float | None) -> None:
    assert rate_limit_wait(response, attempt, NOW) == wait
