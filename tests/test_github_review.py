from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fake_github import FakeGitHub, serve
from report_factory import DIGEST_A, DIGEST_B, finding_in

from linter.fixer import Pin, fix_text
from linter.github import review
from linter.github.client import GitHubClient
from linter.github.context import PullRequest
from linter.model import Finding

PATH = "deploy/app.yaml"
TEXT = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27   # pinned soon
        - name: cache
          image: "redis"
      initContainers:
        - name: init
          image: busybox:1.36
"""
#: The PR changed lines 7-10 only: busybox (line 13) is outside the diff.
PATCH = """\
@@ -4,7 +4,7 @@ spec:
   template:
     spec:
       containers:
-        - name: nginx
+        - name: web
           image: nginx:1.27   # pinned soon
         - name: cache
           image: "redis\""""


def _findings(text: str = TEXT, digest: str = DIGEST_A) -> list[Finding]:
    return [
        finding_in(text, "nginx:1.27", PATH, digest=digest),
        finding_in(text, "redis", PATH, rule="IMG002", digest=digest),
        finding_in(text, "busybox:1.36", PATH, digest=digest),
    ]


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with serve(files={PATH: PATCH, "logo.png": None}, page_size=2) as server:
        yield server


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    with GitHubClient(fake.url, fake.token, mutation_interval=0) as github:
        yield github


def _pull(fake: FakeGitHub) -> PullRequest:
    return PullRequest(fake.url, fake.repository, fake.number, fake.head_sha)


def test_suggestions_are_the_lines_fix_writes() -> None:
    found = review.suggestions(_findings(), {PATH: TEXT})
    assert [(s.line, s.before, s.after) for s in found] == [
        (
            8,
            "          image: nginx:1.27   # pinned soon",
            f"          image: nginx:1.27@{DIGEST_A}   # pinned soon",
        ),
        (10, '          image: "redis"', f'          image: "redis:latest@{DIGEST_A}"'),
        (13, "          image: busybox:1.36", f"          image: busybox:1.36@{DIGEST_A}"),
    ]
    fixed = fix_text(PATH, TEXT, [Pin(f.occurrence, DIGEST_A) for f in _findings() if f.occurrence])
    lines = TEXT.split("\n")
    for suggestion in found:
        lines[suggestion.line - 1] = suggestion.after
    assert "\n".join(lines) == fixed.text


def test_suggestion_body() -> None:
    first = review.suggestions(_findings()[:1], {PATH: TEXT})[0]
    assert first.body == (
        f"<!-- imagepin:fp={first.fingerprint} -->\n"
        "**IMG001** unpinned-tag: image 'nginx:1.27' breaks unpinned-tag\n"
        "```suggestion\n"
        f"          image: nginx:1.27@{DIGEST_A}   # pinned soon\n"
        "```"
    )
    assert first.comment() == {"path": PATH, "line": 8, "side": "RIGHT", "body": first.body}


def test_a_line_with_backticks_gets_a_longer_fence() -> None:
    text = "image: nginx:1.27 # ```odd```\n"
    (found,) = review.suggestions([finding_in(text, "nginx:1.27", "a.yaml")], {"a.yaml": text})
    assert "\n````suggestion\n" in found.body
    assert found.body.endswith("\n````")


def test_images_on_one_line_make_one_suggestion() -> None:
    text = "images: [nginx:1.27, redis:7]\n"
    findings = [finding_in(text, "nginx:1.27", "a.yaml"), finding_in(text, "redis:7", "a.yaml")]
    (found,) = review.suggestions(findings, {"a.yaml": text})
    assert found.after == f"images: [nginx:1.27@{DIGEST_A}, redis:7@{DIGEST_A}]"
    assert found.body.count("**IMG001** unpinned-tag") == 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: f._replace(rule="IMG005", name="stale-digest"), id="fix leaves it"),
        pytest.param(lambda f: f._replace(suggestion=None), id="not resolved"),
        pytest.param(lambda f: f._replace(occurrence=None), id="no occurrence"),
        pytest.param(lambda f: f._replace(path="elsewhere.yaml"), id="file not read"),
    ],
)
def test_nothing_to_suggest(change: Callable[[Finding], Finding]) -> None:
    found = [change(f) for f in _findings()[:1]]
    assert review.suggestions(found, {PATH: TEXT}) == []


@pytest.mark.parametrize(
    ("patches", "lines"),
    [
        ({PATH: PATCH}, [8, 10]),
        ({}, []),
        ({"other.yaml": PATCH}, []),
        # The checkout reads other lines than the PR head (a merge commit): no suggestion.
        ({PATH: PATCH.replace("image: nginx:1.27", "image: nginx:1.26")}, [10]),
    ],
)
def test_in_diff(patches: dict[str, str], lines: list[int]) -> None:
    found = review.in_diff(review.suggestions(_findings(), {PATH: TEXT}), patches)
    assert [s.line for s in found] == lines


def test_posts_one_review_on_diff_lines_only(fake: FakeGitHub, client: GitHubClient) -> None:
    candidates = review.suggestions(_findings(), {PATH: TEXT})
    posted = review.post(client, _pull(fake), fake.head_sha, candidates)
    assert [s.line for s in posted] == [8, 10]
    assert fake.problems == []  # never a 422 for a line outside the diff
    (created,) = fake.reviews
    assert created["body"].startswith(review.REVIEW_MARKER)
    review_post = next(r for r in fake.requests if r.method == "POST")
    assert review_post.body["event"] == "COMMENT"
    assert review_post.body["commit_id"] == fake.head_sha
    assert [c["line"] for c in review_post.body["comments"]] == [8, 10]
    assert all("start_line" not in c for c in review_post.body["comments"])


def test_second_run_posts_nothing_new(fake: FakeGitHub, client: GitHubClient) -> None:
    candidates = review.suggestions(_findings(), {PATH: TEXT})
    review.post(client, _pull(fake), fake.head_sha, candidates)
    fake.add_review_comment(PATH, 3, "<!-- imagepin:fp=0000 --> unrelated, pushes page 2")
    assert review.post(client, _pull(fake), fake.head_sha, candidates) == []
    assert len(fake.reviews) == 1
    assert len(fake.review_comments) == 3


def test_a_new_digest_is_a_new_suggestion(fake: FakeGitHub, client: GitHubClient) -> None:
    review.post(client, _pull(fake), fake.head_sha, review.suggestions(_findings(), {PATH: TEXT}))
    moved = review.suggestions(_findings(digest=DIGEST_B), {PATH: TEXT})
    assert [s.line for s in review.post(client, _pull(fake), fake.head_sha, moved)] == [8, 10]
    assert len(fake.reviews) == 2


def test_a_human_quoting_a_fingerprint_does_not_suppress_it(
    fake: FakeGitHub, client: GitHubClient
) -> None:
    candidates = review.suggestions(_findings(), {PATH: TEXT})
    quoted = f"> <!-- imagepin:fp={candidates[0].fingerprint} -->"
    fake.add_review_comment(PATH, 8, quoted, {"login": "alice", "type": "User"})
    assert [s.line for s in review.post(client, _pull(fake), fake.head_sha, candidates)] == [8, 10]


def test_no_candidates_no_requests(fake: FakeGitHub, client: GitHubClient) -> None:
    assert review.post(client, _pull(fake), fake.head_sha, []) == []
    assert fake.requests == []


def test_nothing_in_the_diff_posts_no_review(fake: FakeGitHub, client: GitHubClient) -> None:
    candidates = review.suggestions(_findings()[2:], {PATH: TEXT})
    assert review.post(client, _pull(fake), fake.head_sha, candidates) == []
    assert fake.calls("POST") == []
    assert fake.calls() == [("GET", f"/repos/octo/app/pulls/{fake.number}/files")]
