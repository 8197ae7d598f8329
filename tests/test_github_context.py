from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linter.github.context import ContextError, PullRequest, from_environment

SHA = "f" * 40


def _event(tmp_path: Path, head_repo: Any = "octo/app", number: int = 7) -> str:
    head = {"sha": SHA, "repo": None if head_repo is None else {"full_name": head_repo}}
    event = {
        "number": number,
        "pull_request": {
            "number": number,
            "head": head,
            "base": {"repo": {"full_name": "octo/app"}},
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return str(path)


def _environ(tmp_path: Path, **changes: Any) -> dict[str, str]:
    environ = {
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": _event(tmp_path, changes.pop("head_repo", "octo/app")),
        "GITHUB_API_URL": "https://api.github.com",
    }
    environ.update(changes)
    return {k: v for k, v in environ.items() if v is not None}


def test_a_pull_request_event(tmp_path: Path) -> None:
    assert from_environment(_environ(tmp_path)) == PullRequest(
        api_url="https://api.github.com",
        repository="octo/app",
        number=7,
        head_sha=SHA,
        read_only=None,
        server_url="https://github.com",
    )


@pytest.mark.parametrize(
    ("changes", "read_only"),
    [
        ({}, None),
        ({"head_repo": "fork/app"}, "the pull request comes from a fork"),
        ({"head_repo": None}, "the pull request comes from a fork"),
        ({"head_repo": "fork/app", "GITHUB_EVENT_NAME": "pull_request_target"}, None),
        ({"GITHUB_ACTOR": "dependabot[bot]"}, "the pull request comes from Dependabot"),
        ({"GITHUB_ACTOR": "dependabot[bot]", "GITHUB_EVENT_NAME": "pull_request_target"}, None),
    ],
)
def test_read_only_tokens(tmp_path: Path, changes: dict[str, Any], read_only: str | None) -> None:
    assert from_environment(_environ(tmp_path, **changes)).read_only == read_only


@pytest.mark.parametrize(
    ("api_url", "server_url", "expected_api", "expected_server"),
    [
        ("https://api.github.com/", None, "https://api.github.com", "https://github.com"),
        (
            "https://ghe.example.com/api/v3",
            None,
            "https://ghe.example.com/api/v3",
            "https://ghe.example.com",
        ),
        (
            "https://ghe.example.com/api/v3",
            "https://ghe.example.com/",
            "https://ghe.example.com/api/v3",
            "https://ghe.example.com",
        ),
        (None, None, "https://api.github.com", "https://github.com"),
    ],
)
def test_urls(
    tmp_path: Path,
    api_url: str | None,
    server_url: str | None,
    expected_api: str,
    expected_server: str,
) -> None:
    pull = from_environment(
        _environ(tmp_path, GITHUB_API_URL=api_url, GITHUB_SERVER_URL=server_url)
    )
    assert (pull.api_url, pull.server_url) == (expected_api, expected_server)
    assert pull.blob_links("abc") == f"{expected_server}/octo/app/blob/abc/"


def test_flags_win(tmp_path: Path) -> None:
    pull = from_environment(
        _environ(tmp_path), repository="other/repo", number=9, api_url="http://127.0.0.1:1/"
    )
    assert (pull.repository, pull.number, pull.api_url) == ("other/repo", 9, "http://127.0.0.1:1")
    assert pull.head_sha is None  # the event is about another pull request


def test_flags_alone_are_enough() -> None:
    pull = from_environment({}, repository="octo/app", number=3)
    assert (pull.number, pull.head_sha, pull.read_only) == (3, None, None)


@pytest.mark.parametrize(
    ("environ", "kwargs", "message"),
    [
        ({}, {"number": 1}, "no repository"),
        ({"GITHUB_REPOSITORY": "not-a-repo"}, {"number": 1}, "no repository"),
        ({"GITHUB_REPOSITORY": "o/r"}, {}, "no pull request"),
        (
            {"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "/nonexistent/event.json"},
            {},
            "cannot read",
        ),
    ],
)
def test_errors(environ: dict[str, str], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ContextError, match=message):
        from_environment(environ, **kwargs)


def test_a_push_event_has_no_pull_request(tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    with pytest.raises(ContextError, match="pass --pr"):
        from_environment({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(path)})
