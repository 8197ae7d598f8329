"""Inline suppression comments (PRODUCT.md §3).

``# imagepin: ignore`` or ``# imagepin: ignore[IMG001,latest-tag]`` at the end
of a line, or alone on the line above; ``# imagepin: disable-file`` among the
file's leading comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(r"(?:^|\s)#\s*imagepin:\s*(disable-file|ignore)(?:\[([^\]]*)\])?")
ALL = frozenset({"*"})


@dataclass(frozen=True)
class Suppressions:
    disabled: bool = False
    #: 1-based line -> rule ids/names suppressed there (ALL for every rule).
    lines: dict[int, frozenset[str]] = field(default_factory=dict)

    def suppresses(self, line: int, rule_id: str, rule_name: str) -> bool:
        if self.disabled:
            return True
        keys = self.lines.get(line)
        return keys is not None and (keys == ALL or rule_id in keys or rule_name in keys)


def _keys(listed: str | None) -> frozenset[str]:
    if listed is None:
        return ALL
    return frozenset(
        part.strip().upper() if part.strip().upper().startswith("IMG") else part.strip().lower()
        for part in listed.split(",")
        if part.strip()
    )


#: Why a file ``# imagepin: disable-file`` leaves out is skipped (Report.skipped).
DISABLE_FILE = "disable-file"


def disables_file(text: str) -> bool:
    """Whether ``# imagepin: disable-file`` among the leading comments skips the file."""
    return "disable-file" in text and parse(text).disabled


def parse(text: str) -> Suppressions:
    if "imagepin:" not in text:
        return Suppressions()
    lines: dict[int, frozenset[str]] = {}
    leading = True
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        is_comment = stripped.startswith("#") or stripped in ("", "---")
        match = _DIRECTIVE.search(line)
        if match is not None:
            if match.group(1) == "disable-file":
                if leading:
                    return Suppressions(disabled=True)
            else:
                keys = _keys(match.group(2))
                # A comment alone on its line covers the next line; otherwise its own line.
                target = number + 1 if stripped.startswith("#") else number
                previous = lines.get(target, frozenset())
                lines[target] = ALL if ALL in (keys, previous) else keys | previous
        leading = leading and is_comment
    return Suppressions(lines=lines)
