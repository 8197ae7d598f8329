"""Stable identities for findings: the same problem keeps its id across runs and line moves.

SARIF ``partialFingerprints``, GitLab ``fingerprint`` and the PR bot's review
markers all use these, so one finding has one id whatever the output format.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from linter.model import Finding


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One 32-hex-digit id per finding, in the order given.

    The id hashes the rule, the path and the image as written, never the line:
    moving a block keeps its ids. Identical (rule, path, image) findings are
    numbered in file order, so each id is unique within a report.
    """
    ids: list[str] = [""] * len(findings)
    seen: Counter[tuple[str, str, str]] = Counter()
    for index in sorted(range(len(findings)), key=lambda i: findings[i].sort_key()):
        finding = findings[index]
        key = (finding.rule, finding.path, finding.image)
        seen[key] += 1
        text = "\0".join((*key, str(seen[key])))
        ids[index] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return ids
