"""One sticky pull-request comment: found by its hidden marker, updated in place on every run."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from linter.github.client import GitHubClient
from linter.github.context import PullRequest

#: The account ``GITHUB_TOKEN`` posts as; other bots (GitHub Apps) have ``type: Bot``.
ACTIONS_BOT = "github-actions[bot]"


class Action(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    NONE = "none"


def is_bot(item: Mapping[str, Any]) -> bool:
    """Whether a comment was written by a bot: a user quoting the marker must not hijack it."""
    user = item.get("user")
    if not isinstance(user, Mapping):
        return False
    return user.get("login") == ACTIONS_BOT or user.get("type") == "Bot"


def find(client: GitHubClient, pull: PullRequest, marker: str) -> Mapping[str, Any] | None:
    """The first bot comment on the pull request holding ``marker``."""
    url = f"/repos/{pull.repository}/issues/{pull.number}/comments"
    for comment in client.paginate(url):
        if marker in str(comment.get("body") or "") and is_bot(comment):
            return dict(comment)
    return None


def upsert(
    client: GitHubClient, pull: PullRequest, marker: str, body: str, *, clean: bool, delete: bool
) -> Action:
    """Create or update the comment holding ``marker`` so that it reads ``body``.

    A clean report creates nothing; an earlier comment is updated to say all is
    well (``delete`` removes it instead).
    """
    existing = find(client, pull, marker)
    if existing is None:
        if clean:
            return Action.NONE
        client.request(
            "POST", f"/repos/{pull.repository}/issues/{pull.number}/comments", json={"body": body}
        )
        return Action.CREATED
    url = f"/repos/{pull.repository}/issues/comments/{existing['id']}"
    if clean and delete:
        client.request("DELETE", url)
        return Action.DELETED
    if existing.get("body") == body:
        return Action.UNCHANGED
    client.request("PATCH", url, json={"body": body})
    return Action.UPDATED
