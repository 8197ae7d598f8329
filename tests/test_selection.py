"""Rule selection as ruff does it: ALL, prefixes, names; extend-select and extend-ignore."""

from __future__ import annotations

import pytest

from linter.config import Config, ConfigError
from linter.rules.catalog import all_rules
from linter.selection import expand, selected

EVERY = [rule.id for rule in all_rules()]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, EVERY),
        ({"select": ("ALL",)}, EVERY),
        ({"select": ("all",)}, EVERY),
        ({"select": ("IMG00",)}, EVERY[:10]),
        ({"select": ("IMG01",)}, ["IMG010", "IMG011", "IMG012"]),
        ({"select": ("IMG",)}, EVERY),
        ({"select": ("unpinned-tag", "IMG002")}, ["IMG001", "IMG002"]),
        ({"select": ("IMG001",), "extend_select": ("IMG01",)}, ["IMG001", *EVERY[10:]]),
        ({"extend_select": ("IMG001",)}, EVERY),
        ({"ignore": ("IMG00",)}, EVERY[10:]),
        ({"ignore": ("IMG00",), "extend_ignore": ("IMG01",)}, []),
        (
            {"ignore": ("IMG006",), "extend_ignore": ("latest-tag",)},
            [r for r in EVERY if r not in ("IMG002", "IMG006")],
        ),
        # The more specific selector wins; at equal specificity, ignore does.
        ({"select": ("IMG001",), "ignore": ("IMG00",)}, ["IMG001"]),
        ({"select": ("IMG00",), "ignore": ("IMG001",)}, [r for r in EVERY[:10] if r != "IMG001"]),
        ({"select": ("IMG00",), "ignore": ("IMG00",)}, []),
        ({"select": ("ALL",), "ignore": ("ALL",)}, []),
        ({"ignore": ("ALL",), "extend_select": ("IMG011",)}, ["IMG011"]),
    ],
)
def test_selected(settings: dict[str, tuple[str, ...]], expected: list[str]) -> None:
    assert [rule.id for rule in selected(Config(**settings))] == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "IMG999",
            "unknown rule 'IMG999': not a rule id, id prefix (IMG00), name or ALL; "
            "did you mean `IMG009`?",
        ),
        (
            "unpinned-tags",
            "unknown rule 'unpinned-tags': not a rule id, id prefix (IMG00), name or ALL; "
            "did you mean `unpinned-tag`?",
        ),
        (
            "E501",
            "unknown rule 'E501': not a rule id, id prefix (IMG00), name or ALL; "
            "see `imagepin rules`",
        ),
        (
            "IM",
            "unknown rule 'IM': not a rule id, id prefix (IMG00), name or ALL; see `imagepin rules`",
        ),
    ],
)
def test_a_selector_that_names_no_rule_is_an_error(selector: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        selected(Config(extend_ignore=(selector,)))
    assert str(raised.value) == message


def test_expand() -> None:
    assert expand(["IMG01", "latest-tag"]) == {"IMG002", "IMG010", "IMG011", "IMG012"}
