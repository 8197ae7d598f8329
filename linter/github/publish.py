"""Publish a report on a pull request: the sticky comment, then (optionally) review suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from linter.github import review, sticky
from linter.github.client import GitHubClient, GitHubError
from linter.github.context import PullRequest
from linter.redact import scrub
from linter.report import Report, fixes, markdown


@dataclass(frozen=True)
class Options:
    #: Also post a review whose comments carry ```suggestion blocks.
    suggestions: bool = False
    #: When the report is clean, delete the comment instead of marking it resolved.
    delete_when_clean: bool = False


@dataclass(frozen=True)
class Outcome:
    comment: sticky.Action
    #: Review suggestions posted by this run.
    suggested: int = 0
    #: Problems that did not stop the run (a rejected review), one line each.
    notes: tuple[str, ...] = ()


def is_clean(report: Report) -> bool:
    return not (report.visible() or report.errors or report.registry_problems)


def head_sha(client: GitHubClient, pull: PullRequest) -> str:
    """The commit the pull request's head is at: from the event, or asked of the API."""
    if pull.head_sha is not None:
        return pull.head_sha
    document = client.request("GET", f"/repos/{pull.repository}/pulls/{pull.number}")
    return str(document["head"]["sha"])


def publish(client: GitHubClient, pull: PullRequest, report: Report, options: Options) -> Outcome:
    """Upsert the sticky comment and post new suggestions; raise ReadOnlyToken when forbidden."""
    sha = head_sha(client, pull)
    body = scrub(markdown.render(report, links=pull.blob_links(sha)))
    clean = is_clean(report)
    action = sticky.upsert(
        client, pull, markdown.MARKER, body, clean=clean, delete=options.delete_when_clean
    )
    if not options.suggestions or clean:
        return Outcome(action)
    findings = report.visible()
    paths = {f.path for f in findings if f.suggestion}
    texts = {path: fixes.read_text(report.root, path) for path in paths}
    readable = {path: text for path, text in texts.items() if text is not None}
    try:
        posted = review.post(client, pull, sha, review.suggestions(findings, readable))
    except GitHubError as exc:
        if exc.status != 422:
            raise
        reason = "; ".join(exc.details) or str(exc)
        return Outcome(action, 0, (f"GitHub rejected the review suggestions: {reason}",))
    return Outcome(action, len(posted))
