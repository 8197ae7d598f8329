"""A fake GitHub REST API on loopback: the endpoints the PR bot uses, and nothing else.

It is a real HTTP server (the client under test opens sockets), and it checks
every request the way GitHub would care about: method, path, auth, the
documented headers, the JSON body's shape, review comments on diff lines only.
Anything wrong is answered like GitHub does (401, 404, 422 …) and recorded in
``problems``, which tests assert is empty.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "type": "Bot", "id": 41898282}
NOT_ACCESSIBLE = "Resource not accessible by integration"
OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"
SPLIT_ACROSS_HUNKS = "Pull request review thread start line must be in the same hunk as the line"
_HUNK_HEADER = re.compile(r"@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Canned:
    """A response returned instead of handling the next request that matches."""

    method: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""


@dataclass
class FakeGitHub:
    repository: str = "octo/app"
    number: int = 7
    head_sha: str = "0123456789abcdef0123456789abcdef01234567"
    token: str = "ghs_fake_token"
    #: The PR's changed files: path -> patch (None for a binary or too-large file).
    files: dict[str, str | None] = field(default_factory=dict)
    #: Items per page, whatever ``per_page`` asks: small pages exercise pagination.
    page_size: int = 100
    #: Every write is refused like a fork PR's read-only token.
    read_only: bool = False
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    canned: list[Canned] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- test set-up -------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitHub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add_issue_comment(self, body: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
        comment = {"id": next(self._ids), "body": body, "user": user or BOT}
        self.issue_comments.append(comment)
        return comment

    def add_review_comment(
        self, path: str, line: int, body: str, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        comment = {"id": next(self._ids), "path": path, "line": line, "body": body}
        comment["user"] = user or BOT
        self.review_comments.append(comment)
        return comment

    def fail_next(self, method: str, status: int, message: str = "", **headers: str) -> None:
        self.canned.append(Canned(method, status, headers, message))

    def calls(self, method: str | None = None) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests if method in (None, r.method)]

    # -- request handling --------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> _Response:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        body: Any = None
        if raw:
            if not headers.get("content-type", "").startswith("application/json"):
                return self._problem(400, f"{method} {parts.path}: body without JSON content type")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._problem(400, f"{method} {parts.path}: body is not JSON")
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            problem = self._check_headers(headers)
            if problem:
                return self._problem(401 if "auth" in problem else 400, problem)
            for canned in self.canned:
                if canned.method == method:
                    self.canned.remove(canned)
                    message = canned.message or "API rate limit exceeded"
                    return _Response(canned.status, {"message": message}, canned.headers)
            return self._route(method, parts.path, query, body)

    def _check_headers(self, headers: dict[str, str]) -> str | None:
        if headers.get("authorization") != f"Bearer {self.token}":
            return f"bad auth header: {headers.get('authorization')!r}"
        if headers.get("accept") != "application/vnd.github+json":
            return f"bad Accept: {headers.get('accept')!r}"
        if headers.get("x-github-api-version") != "2022-11-28":
            return f"bad X-GitHub-Api-Version: {headers.get('x-github-api-version')!r}"
        if not headers.get("user-agent"):
            return "no User-Agent"
        return None

    def _problem(self, status: int, message: str) -> _Response:
        self.problems.append(message)
        return _Response(status, {"message": message})

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> _Response:
        repo = re.escape(self.repository)
        n = self.number
        routes: list[tuple[str, str, Any]] = [
            ("GET", rf"/repos/{repo}/pulls/{n}", self._get_pull),
            ("GET", rf"/repos/{repo}/issues/{n}/comments", self._list_issue_comments),
            ("POST", rf"/repos/{repo}/issues/{n}/comments", self._create_issue_comment),
            ("PATCH", rf"/repos/{repo}/issues/comments/(\d+)", self._update_issue_comment),
            ("DELETE", rf"/repos/{repo}/issues/comments/(\d+)", self._delete_issue_comment),
            ("GET", rf"/repos/{repo}/pulls/{n}/files", self._list_files),
            ("GET", rf"/repos/{repo}/pulls/{n}/comments", self._list_review_comments),
            ("POST", rf"/repos/{repo}/pulls/{n}/reviews", self._create_review),
        ]
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                if method != "GET" and self.read_only:
                    return _Response(403, {"message": NOT_ACCESSIBLE})
                result: _Response = action(query, body, *match.groups())
                return result
        return self._problem(404, f"no such endpoint: {method} {path}")

    def _page(
        self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]
    ) -> _Response:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100, self.page_size)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = (
                f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next", '
                f'<{self.url}{path}?per_page={per_page}&page=1>; rel="first"'
            )
        return _Response(200, chunk, headers)

    def _get_pull(self, query: dict[str, list[str]], body: Any) -> _Response:
        repo = {"full_name": self.repository}
        pull = {
            "number": self.number,
            "head": {"sha": self.head_sha, "repo": repo},
            "base": {"repo": repo},
        }
        return _Response(200, pull)

    def _list_issue_comments(self, query: dict[str, list[str]], body: Any) -> _Response:
        return self._page(
            self.issue_comments, f"/repos/{self.repository}/issues/{self.number}/comments", query
        )

    def _comment_body(self, body: Any) -> str | None:
        if not isinstance(body, dict) or set(body) != {"body"} or not isinstance(body["body"], str):
            return None
        return body["body"]

    def _create_issue_comment(self, query: dict[str, list[str]], body: Any) -> _Response:
        text = self._comment_body(body)
        if text is None:
            return self._problem(422, f"bad comment body: {body!r}")
        if len(text) > 65536:
            return self._problem(422, "Body is too long (maximum is 65536 characters)")
        return _Response(201, self.add_issue_comment(text))

    def _find_issue_comment(self, comment_id: str) -> dict[str, Any] | None:
        return next((c for c in self.issue_comments if c["id"] == int(comment_id)), None)

    def _update_issue_comment(
        self, query: dict[str, list[str]], body: Any, comment_id: str
    ) -> _Response:
        comment = self._find_issue_comment(comment_id)
        text = self._comment_body(body)
        if comment is None:
            return self._problem(404, f"no comment {comment_id}")
        if text is None or len(text) > 65536:
            return self._problem(422, f"bad comment body: {body!r}")
        if comment["user"] != BOT:
            return self._problem(403, f"updating someone else's comment {comment_id}")
        comment["body"] = text
        return _Response(200, comment)

    def _delete_issue_comment(
        self, query: dict[str, list[str]], body: Any, comment_id: str
    ) -> _Response:
        comment = self._find_issue_comment(comment_id)
        if comment is None or comment["user"] != BOT:
            return self._problem(404, f"deleting comment {comment_id}, not ours")
        self.issue_comments.remove(comment)
        return _Response(204, None)

    def _list_files(self, query: dict[str, list[str]], body: Any) -> _Response:
        items = [
            {
                "filename": name,
                "status": "modified",
                **({"patch": patch} if patch is not None else {}),
            }
            for name, patch in self.files.items()
        ]
        return self._page(items, f"/repos/{self.repository}/pulls/{self.number}/files", query)

    def _list_review_comments(self, query: dict[str, list[str]], body: Any) -> _Response:
        return self._page(
            self.review_comments, f"/repos/{self.repository}/pulls/{self.number}/comments", query
        )

    def _create_review(self, query: dict[str, list[str]], body: Any) -> _Response:
        if not isinstance(body, dict) or not set(body) <= {
            "commit_id",
            "event",
            "body",
            "comments",
        }:
            return self._problem(422, f"bad review: {body!r}")
        if body.get("commit_id") != self.head_sha:
            return self._problem(422, f"review on {body.get('commit_id')!r}, not the head")
        if body.get("event") != "COMMENT" or not body.get("body"):
            return self._problem(
                422, "a COMMENT review needs a body (and a pending one is useless)"
            )
        for comment in body.get("comments", []):
            error = self._review_comment_error(comment)
            if error is not None:
                self.problems.append(f"422: {error}: {comment!r}")
                return _Response(422, {"message": "Unprocessable Entity", "errors": [error]})
        review = {
            "id": next(self._ids),
            "body": body["body"],
            "user": BOT,
            "commit_id": self.head_sha,
        }
        self.reviews.append(review)
        for comment in body.get("comments", []):
            self.add_review_comment(comment["path"], comment["line"], comment["body"])
        return _Response(200, review)

    def _review_comment_error(self, comment: Any) -> str | None:
        if not isinstance(comment, dict) or not set(comment) <= {
            "path",
            "line",
            "side",
            "body",
            "start_line",
            "start_side",
        }:
            return "unexpected review comment fields"
        if "position" in comment or comment.get("side") != "RIGHT":
            return "comments must use line and side RIGHT"
        if "start_line" in comment and comment["start_line"] >= comment.get("line", 0):
            return "start line must precede the end line"
        patch = self.files.get(comment.get("path", ""))
        if patch is None:
            return OUTSIDE_DIFF
        try:
            hunks = commentable_lines(patch)
        except ValueError as exc:  # a bad double in the test, not the product's fault
            return f"the fake's patch for {comment['path']} is malformed: {exc}"
        if comment.get("line") not in hunks:
            return OUTSIDE_DIFF
        if "start_line" in comment and hunks.get(comment["start_line"]) != hunks[comment["line"]]:
            return SPLIT_ACROSS_HUNKS
        if not isinstance(comment.get("body"), str) or not comment["body"]:
            return "diff hunk can't be blank"
        return None


def commentable_lines(patch: str) -> dict[int, int]:
    """The new-file lines of ``patch`` (a PR file's patch) a review comment may take, each
    with the index of its hunk. Written for the fake from the unified diff format, not
    shared with the product: each hunk's body is counted against both sides of its
    header, so a double whose patch does not add up is an error, never a guess."""
    commentable: dict[int, int] = {}
    hunk, number, old_left, new_left = -1, 0, 0, 0
    for row in patch.split("\n"):
        if row.startswith("\\"):  # "\ No newline at end of file" belongs to the line before
            continue
        if old_left == new_left == 0:
            header = _HUNK_HEADER.match(row)
            if header is None:
                if row == "":  # the patch's last newline
                    continue
                raise ValueError(f"expected a hunk header, found {row!r}")
            old_count, new_start, new_count = header.groups()
            hunk, number = hunk + 1, int(new_start)
            old_left, new_left = int(old_count or 1), int(new_count or 1)
            continue
        side = row[:1] or " "  # a blank context line that lost its space, as git apply allows
        if side not in ("-", "+", " "):
            raise ValueError(f"not a line of a unified diff: {row!r}")
        old_left -= side != "+"
        new_left -= side != "-"
        if old_left < 0 or new_left < 0:
            raise ValueError(f"hunk {hunk} is longer than its header says")
        if side != "-":
            commentable[number] = hunk
            number += 1
    if old_left or new_left:
        raise ValueError(f"the patch ends inside hunk {hunk}")
    return commentable


@dataclass
class _Response:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = fake.handle(self.command, self.path, headers, raw)
            data = b"" if response.payload is None else json.dumps(response.payload).encode()
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``fake.requests`` instead."""

    return Handler


@contextmanager
def serve(**settings: Any) -> Iterator[FakeGitHub]:
    """A started fake, stopped afterwards."""
    fake = FakeGitHub(**settings).start()
    try:
        yield fake
    finally:
        fake.stop()
