"""Review suggestions: one ```suggestion per changed line, only where the PR diff allows it.

GitHub rejects a whole review when one comment is outside the diff (422), so
every suggestion is checked against the diff hunks first, and its line must
read in the hunk exactly what this checkout reads. Each comment carries a
hidden fingerprint; suggestions posted on an earlier run are not posted again.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from linter.github import diff
from linter.github.client import GitHubClient
from linter.github.context import PullRequest
from linter.github.sticky import is_bot
from linter.model import Edit, Finding
from linter.report import fixes, markdown
from linter.report.fingerprint import fingerprints
from linter.rewrite import PIN_RULES

REVIEW_MARKER = "<!-- imagepin:review -->"
_FINGERPRINT = re.compile(r"<!-- imagepin:fp=([0-9a-f]+) -->")


@dataclass(frozen=True)
class Suggestion:
    path: str
    line: int
    #: The line as this checkout reads it, and as the suggestion writes it.
    before: str
    after: str
    fingerprint: str
    body: str

    def comment(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


def _fence(text: str) -> str:
    """A fence longer than any backtick run in ``text``, so the block cannot end early."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _body(findings: Sequence[Finding], fingerprint: str, after: str) -> str:
    fence = _fence(after)
    reasons = "\n\n".join(f"**{f.rule}** {f.name}: {markdown.plain(f.message)}" for f in findings)
    return f"<!-- imagepin:fp={fingerprint} -->\n{reasons}\n{fence}suggestion\n{after}\n{fence}"


def suggestions(findings: Sequence[Finding], texts: Mapping[str, str]) -> list[Suggestion]:
    """What ``imagepin fix`` would change, as one suggestion per line (texts: path -> file text).

    Only pins that ``fix`` writes are suggested; findings on the same line (a
    flow sequence) make one suggestion, since GitHub applies a line at a time.
    """
    ids = dict(zip(map(id, findings), fingerprints(findings), strict=True))
    by_line: dict[tuple[str, int], list[tuple[Finding, list[Edit]]]] = defaultdict(list)
    for finding in findings:
        text = texts.get(finding.path)
        if finding.rule not in PIN_RULES or text is None:
            continue
        edits = fixes.edits(finding, text)
        change = fixes.line_change(text, edits)
        if change is not None and change.first == change.last:
            by_line[(finding.path, change.first)].append((finding, edits))
    result = []
    for (path, line), group in sorted(by_line.items()):
        change = fixes.line_change(texts[path], [e for _, edits in group for e in edits])
        if change is None or change.first != change.last:
            continue
        key = "\0".join([*sorted(ids[id(f)] for f, _ in group), change.after])
        fingerprint = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        body = _body([f for f, _ in group], fingerprint, change.after)
        result.append(Suggestion(path, line, change.before, change.after, fingerprint, body))
    return result


def in_diff(candidates: Iterable[Suggestion], patches: Mapping[str, str]) -> list[Suggestion]:
    """The suggestions whose line the PR diff shows (RIGHT side) reading what we read."""
    lines = {path: diff.right_lines(patch) for path, patch in patches.items()}
    return [s for s in candidates if lines.get(s.path, {}).get(s.line) == s.before]


def patches(client: GitHubClient, pull: PullRequest) -> dict[str, str]:
    """Each changed file's patch; files without one (binary, too large) cannot take comments."""
    url = f"/repos/{pull.repository}/pulls/{pull.number}/files"
    return {f["filename"]: f["patch"] for f in client.paginate(url) if f.get("patch")}


def posted_fingerprints(client: GitHubClient, pull: PullRequest) -> set[str]:
    """The fingerprints of suggestions this bot already posted on the pull request."""
    url = f"/repos/{pull.repository}/pulls/{pull.number}/comments"
    return {
        match
        for comment in client.paginate(url)
        if is_bot(comment)
        for match in _FINGERPRINT.findall(str(comment.get("body") or ""))
    }


def post(
    client: GitHubClient, pull: PullRequest, head_sha: str, candidates: Sequence[Suggestion]
) -> list[Suggestion]:
    """Post one review with the new suggestions that fit the diff; return those posted."""
    if not candidates:
        return []
    fitting = in_diff(candidates, patches(client, pull))
    posted = posted_fingerprints(client, pull) if fitting else set()
    new = [s for s in fitting if s.fingerprint not in posted]
    if not new:
        return []
    count = f"{len(new)} suggestion{'s' * (len(new) != 1)}"
    client.request(
        "POST",
        f"/repos/{pull.repository}/pulls/{pull.number}/reviews",
        json={
            "commit_id": head_sha,
            "event": "COMMENT",
            "body": f"{REVIEW_MARKER}\nimagepin: {count} to pin images to their digests.",
            "comments": [s.comment() for s in new],
        },
    )
    return new
