"""docs/security.md names, for each guarantee of its "Round two" table, the test that proves
it: every name there is a test that exists, so the page cannot promise what nothing checks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: ``test_module::function``, or ``::function`` of the module named last in the same cell.
_NAME = re.compile(r"(?:(test_\w+)|(?<![\w\]]))::(\w+|…)")


def _functions(module: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / f"{module}.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_test_the_round_two_table_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    table = text.split("## Round two", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    named: list[tuple[str, str]] = []
    for row in rows[1:]:
        cell = row.rstrip(" |").rsplit(" | ", 1)[1]
        module = ""
        for named_module, function in _NAME.findall(cell):
            module = named_module or module
            assert module, cell
            if function != "…":
                named.append((module, function))
    assert len(rows) > 30 and named
    missing = [f"{m}::{f}" for m, f in named if f not in _functions(m)]
    assert missing == []
