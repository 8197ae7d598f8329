"""The rules: each module holds one rule, its id, name, default level and documentation.

Rules are pure: they look at one occurrence, its parsed reference, the
registry's answer (online) and the policy, and say what is wrong. The engine
(linter.engine), not the rule, decides levels, selection and suppression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from linter.config import Config
from linter.model import Level, Occurrence, Resolution
from linter.records import Record
from linter.reference import Reference


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Subject(Record):
    """Everything a rule may look at for one occurrence."""

    occurrence: Occurrence
    reference: Reference | None
    #: Why the reference does not parse, when it does not.
    invalid: str | None
    #: The registry's answer; None offline or when the rule's data was not fetched.
    resolution: Resolution | None
    config: Config
    #: When the check runs, for rules about age (IMG012): rules never read the clock
    #: (the engine reads ``utc_now`` once per file).
    now: datetime


class Hit(Record):
    message: str
    suggestion: str | None = None


Check = Callable[[Subject], Iterator[Hit]]


class Rule(Record):
    id: str
    name: str
    level: Level
    summary: str
    #: Markdown: what it finds, why it matters, an example, how to fix it.
    doc: str
    check: Check | None = None
    online: bool = False
    fixable: bool = False

    @property
    def title(self) -> str:
        return f"{self.id} {self.name}"
