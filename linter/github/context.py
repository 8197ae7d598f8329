"""Which pull request to comment on: the Actions environment, the event payload, or flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linter import safe_read, untrusted_json
from linter.github.client import DEFAULT_API_URL

#: GitHub caps webhook payloads at 25 MB.
MAX_EVENT = 32 * 1024 * 1024


class ContextError(Exception):
    """Not enough information to find the pull request; the message says what to pass."""


@dataclass(frozen=True)
class PullRequest:
    api_url: str
    #: ``owner/name`` of the base repository, where comments go.
    repository: str
    number: int
    #: The PR head commit reviews are anchored to; None when the event does not say.
    head_sha: str | None = None
    #: Why the token cannot write here (a fork or Dependabot PR on ``pull_request``), if so.
    read_only: str | None = None
    #: The web root for links, e.g. ``https://github.com``.
    server_url: str = "https://github.com"

    def blob_links(self, sha: str) -> str:
        """The base URL of links to files at commit ``sha``."""
        return f"{self.server_url}/{self.repository}/blob/{sha}/"


def _load_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        event = untrusted_json.loads(safe_read.read_text(path, limit=MAX_EVENT))
    except (safe_read.ReadError, ValueError) as exc:
        raise ContextError(f"cannot read the event payload {path}: {exc}") from None
    return event if isinstance(event, dict) else {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _read_only(pull: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """``pull_request`` runs from forks and Dependabot get a read-only token, whatever is asked."""
    if environ.get("GITHUB_EVENT_NAME") != "pull_request":
        return None
    head_repo = _mapping(pull.get("head")).get("repo")
    base_name = _mapping(_mapping(pull.get("base")).get("repo")).get("full_name")
    if head_repo is None or _mapping(head_repo).get("full_name") != base_name:
        return "the pull request comes from a fork"
    if environ.get("GITHUB_ACTOR") == "dependabot[bot]":
        return "the pull request comes from Dependabot"
    return None


def _server_url(api_url: str, environ: Mapping[str, str]) -> str:
    if environ.get("GITHUB_SERVER_URL"):
        return environ["GITHUB_SERVER_URL"].rstrip("/")
    if api_url.rstrip("/") == DEFAULT_API_URL:
        return "https://github.com"
    return api_url.rstrip("/").removesuffix("/api/v3")


def from_environment(
    environ: Mapping[str, str],
    *,
    repository: str | None = None,
    number: int | None = None,
    api_url: str | None = None,
) -> PullRequest:
    """The pull request to comment on; flags win over the environment and the event."""
    repository = repository or environ.get("GITHUB_REPOSITORY")
    if not repository or repository.count("/") != 1:
        raise ContextError("no repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME")
    event = _load_event(environ.get("GITHUB_EVENT_PATH"))
    pull = _mapping(event.get("pull_request"))
    event_number = pull.get("number", event.get("number"))
    if number is None:
        if not isinstance(event_number, int):
            raise ContextError("no pull request: run on a pull_request event or pass --pr NUMBER")
        number = event_number
    if number != event_number:
        pull = {}  # the event is about another pull request: nothing in it applies
    api_url = (api_url or environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    head_sha = _mapping(pull.get("head")).get("sha")
    return PullRequest(
        api_url=api_url,
        repository=repository,
        number=number,
        head_sha=head_sha if isinstance(head_sha, str) else None,
        read_only=_read_only(pull, environ) if pull else None,
        server_url=_server_url(api_url, environ),
    )
