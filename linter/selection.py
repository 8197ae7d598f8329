"""Which rules run, chosen as ruff chooses: ``ALL``, ids, id prefixes (``IMG00``), names.

``select`` (default ``ALL``) and ``extend-select`` add up, as do ``ignore`` and
``extend-ignore``. For each rule the most specific selector that matches it
decides: ``select = ["IMG001"]`` with ``ignore = ["IMG00"]`` runs IMG001, and a
tie goes to ignore (``select = ["IMG00"]``, ``ignore = ["IMG00"]`` runs none).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from linter.config import Config, ConfigError
from linter.rules import Rule
from linter.rules.catalog import all_rules

ALL = "ALL"
#: A full id or a name matches one rule: more specific than any prefix.
_EXACT = 100


def specificity(selector: str, rule: Rule) -> int | None:
    """How specifically ``selector`` names ``rule`` (None: it does not): ALL 0, a prefix
    its length, an id or a name the most."""
    wanted = selector.strip()
    if wanted.upper() == ALL:
        return 0
    if wanted.upper() == rule.id or wanted.lower() == rule.name:
        return _EXACT
    if len(wanted) >= 3 and rule.id.startswith(wanted.upper()):
        return len(wanted)
    return None


def check_selectors(selectors: Iterable[str]) -> None:
    """ConfigError for a selector that names no rule, with the likely one."""
    rules = all_rules()
    for selector in selectors:
        if any(specificity(selector, rule) is not None for rule in rules):
            continue
        names = [ALL, *(r.id for r in rules), *(r.name for r in rules)]
        import difflib  # an error message's hint only: not on every start-up

        close = difflib.get_close_matches(selector.strip(), names, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "see `imagepin rules`"
        raise ConfigError(
            f"unknown rule {selector!r}: not a rule id, id prefix (IMG00), name or ALL; {hint}"
        )


def expand(selectors: Sequence[str]) -> set[str]:
    """The ids of the rules ``selectors`` name (per-file-ignores)."""
    check_selectors(selectors)
    return {
        rule.id
        for rule in all_rules()
        if any(specificity(selector, rule) is not None for selector in selectors)
    }


def _best(selectors: Sequence[str], rule: Rule) -> int:
    matches = [s for s in (specificity(selector, rule) for selector in selectors) if s is not None]
    return max(matches, default=-1)


def selected(config: Config) -> list[Rule]:
    """The rules to run, in id order; a selector that names no rule is a ConfigError."""
    chosen = [*(config.select or (ALL,)), *config.extend_select]
    dropped = [*config.ignore, *config.extend_ignore]
    check_selectors([*chosen, *dropped])
    return [rule for rule in all_rules() if _best(chosen, rule) > _best(dropped, rule)]
