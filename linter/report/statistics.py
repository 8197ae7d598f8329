"""``--statistics``: how many findings each rule has, most first (ruff's ``--statistics``).

``[*]`` marks the rules ``imagepin fix`` can fix. Counts the findings the report
shows: info ones only with ``-v``.
"""

from __future__ import annotations

import json
from collections import Counter

from linter.model import Report
from linter.rules import Rule
from linter.rules.catalog import lookup


def counts(report: Report) -> list[tuple[Rule, int]]:
    """(rule, findings) per rule that has any, most first, then by id."""
    found = Counter(f.rule for f in report.visible())
    return sorted(((lookup(rule), n) for rule, n in found.items()), key=lambda c: (-c[1], c[0].id))


def render(report: Report, fmt: str) -> str:
    rows = counts(report)
    if fmt == "json":
        document = [
            {
                "code": rule.id,
                "name": rule.name,
                "level": str(rule.level),
                "count": count,
                "fixable": rule.fixable,
            }
            for rule, count in rows
        ]
        return json.dumps(document, indent=2) + "\n"
    width = max((len(str(count)) for _, count in rows), default=1)
    return "".join(
        f"{count:>{width}}  {rule.id}  {rule.level!s:<7}  [{'*' if rule.fixable else ' '}] "
        f"{rule.name}\n"
        for rule, count in rows
    )
