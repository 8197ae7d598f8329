"""The house keeps its shape: no import cycle, no arrow against the flow, small modules,
no private name of a dependency.

Every module of ``linter/`` is read with :mod:`ast` (nothing is imported), and each
``import`` is an arrow, wherever it is written: at the top, inside a function (a
lazy import is still a dependency) or under ``TYPE_CHECKING`` (a type is too).
The table of directions is docs/architecture.md's, word for word
(:func:`test_the_doc_holds_the_same_table`); the checks are shown to fail on
synthetic packages, so a test that passes here says something.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "linter"
#: Lines a module of linter/ may have: past it, a module holds more than one job.
MAX_LINES = 400

#: Who never imports whom. A name stands for the module and everything below it
#: (``registry.http`` is linter/registry/http/ and its modules); a room's own modules
#: import each other freely. docs/architecture.md holds the same table.
DIRECTIONS = """\
| module | never imports |
|---|---|
| `reference` | anything of ours but `records` |
| `extract` and `rules` | `registry` or `report` |
| `report` | `registry` |
| everything but `commands`, `cli`, `github` and `__main__` | `commands`, `cli`, `github` or `__main__` |
| everything but `engine`, `commands`, `cli`, `github` and `__main__` | `engine`, `pipeline` or `report` |
| `discovery` and `source` | `extract`, `registry`, `rules`, `suppress`, `fixer` or `rewrite` |
| `extract` | `suppress`, `fixer` or `rewrite` |
| `registry` | `extract`, `rules`, `suppress`, `fixer` or `rewrite` |
| `rules` | `suppress`, `fixer` or `rewrite` |
| `suppress` | `rules`, `fixer` or `rewrite` |
| `registry.http` | `registry.auth`, `registry.api`, `registry.cache`, `registry.facts` or `registry.resolution` |
| `registry.auth` | `registry.api`, `registry.cache`, `registry.facts` or `registry.resolution` |
| `registry.api` | `registry.cache`, `registry.facts` or `registry.resolution` |
| `registry.cache` | `registry.facts` or `registry.resolution` |
| `registry.facts` | `registry.resolution` |
| `registry.errors`, `registry.options`, `registry.stats`, `registry.tasks` and `registry.trace` | `registry.resolution` or `registry.details` |
"""


@dataclass(frozen=True)
class Rule:
    """``modules`` (or, when ``inverted``, every module but those) never import ``targets``
    (None: anything of ours but ``allowed``)."""

    text: str
    modules: tuple[str, ...]
    inverted: bool
    targets: tuple[str, ...] | None
    allowed: tuple[str, ...] = ()


def parse_directions(table: str) -> list[Rule]:
    rules = []
    for line in table.strip().splitlines()[2:]:
        left, right = (cell.strip() for cell in line.strip().strip("|").split("|"))
        names = tuple(re.findall(r"`([^`]+)`", left))
        named = tuple(re.findall(r"`([^`]+)`", right))
        if right.startswith("anything of ours"):
            rules.append(Rule(line, names, left.startswith("everything but"), None, named))
        else:
            rules.append(Rule(line, names, left.startswith("everything but"), named))
    return rules


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file, for every module of ``package`` under ``root``."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path], package: str) -> set[str]:
    """The modules of ``package`` that the module ``name`` imports, anywhere in it."""
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                # ``from linter.registry import tls`` imports the module linter.registry.tls.
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    ours = {target for target in found if target == package or target.startswith(package + ".")}
    return ours - {name}


def graph(root: Path, package: str) -> dict[str, set[str]]:
    known = modules(root, package)
    return {name: imports(name, path, known, package) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected set of modules larger than one, as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(start: str) -> None:
        # Tarjan's algorithm, iteratively: an import chain may be deeper than the recursion limit.
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in edges), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    found.append(_cycle_through(sorted(members), edges))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _cycle_through(members: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One cycle among ``members`` (a strongly connected set), from its first member back."""
    inside = set(members)
    start = members[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & inside):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"not strongly connected: {members}")


def _within(name: str, room: str, package: str) -> bool:
    full = f"{package}.{room}"
    return name == full or name.startswith(full + ".")


def violations(edges: dict[str, set[str]], rules: list[Rule], package: str) -> Iterator[str]:
    for rule in rules:
        for name, targets in sorted(edges.items()):
            if any(_within(name, room, package) for room in rule.modules) == rule.inverted:
                continue
            for target in sorted(targets):
                if rule.targets is None:
                    wrong = not any(_within(target, room, package) for room in rule.allowed)
                else:
                    rooms = [room for room in rule.targets if _within(target, room, package)]
                    # A room's own modules import each other freely.
                    wrong = any(not _within(name, room, package) for room in rooms)
                if wrong:
                    yield f"{name} imports {target}: {rule.text}"


def oversized(root: Path, package: str, limit: int = MAX_LINES) -> list[str]:
    return [
        f"{path.relative_to(root)}: {lines} lines (at most {limit})"
        for path in modules(root, package).values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > limit
    ]


def problems(root: Path, package: str, table: str = DIRECTIONS) -> list[str]:
    edges = graph(root, package)
    found = [" -> ".join(cycle) for cycle in cycles(edges)]
    found += violations(edges, parse_directions(table), package)
    return found + oversized(root, package)


# --- linter/ ----------------------------------------------------------------------------


def test_no_import_cycle() -> None:
    assert cycles(graph(ROOT, PACKAGE)) == []


def test_every_import_runs_with_the_flow() -> None:
    assert list(violations(graph(ROOT, PACKAGE), parse_directions(DIRECTIONS), PACKAGE)) == []


def test_no_module_over_the_line_budget() -> None:
    assert oversized(ROOT, PACKAGE) == []


def test_the_doc_holds_the_same_table() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert DIRECTIONS in doc


def test_every_room_in_the_table_exists() -> None:
    """A renamed room would make its rows say nothing: each name is a module of ours."""
    known = modules(ROOT, PACKAGE)
    names = {
        name
        for rule in parse_directions(DIRECTIONS)
        for name in (*rule.modules, *(rule.targets or ()), *rule.allowed)
    }
    assert sorted(n for n in names if f"{PACKAGE}.{n}" not in known) == []


def test_the_graph_sees_what_the_registry_imports() -> None:
    """The reader finds imports in every form the code uses: at the top, in a function,
    under TYPE_CHECKING, from a package (a submodule), and the package's own."""
    edges = graph(ROOT, PACKAGE)
    assert "linter.registry.resolution.resolver" in edges["linter.registry"]  # in a function
    assert "linter.registry.details" in edges["linter.registry"]  # under TYPE_CHECKING
    assert "linter.registry.http.netio" in edges["linter.registry.resolution.answers"]
    assert "linter.rules.latest_tag" in edges["linter.rules.catalog"]


# --- the checks fail when they should: synthetic packages ------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / "house" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


HOUSE = {
    "__init__.py": "",
    "reference.py": "import re\n",
    "extract/__init__.py": "from house import reference\n",
    "registry/__init__.py": "def resolve():\n    from house.registry import resolution\n",
    "registry/http/__init__.py": "",
    "registry/http/netio.py": "",
    "registry/resolution/__init__.py": "from house.registry.http import netio\n",
    "report/__init__.py": "from house import extract\n",
    "commands/__init__.py": "from house import registry, report\n",
}


def test_a_house_in_order_has_no_problem(tmp_path: Path) -> None:
    assert problems(_package(tmp_path, HOUSE), "house") == []


def test_a_deliberate_cycle_fails(tmp_path: Path) -> None:
    """resolution asks netio, and netio calls back (inside a function, where it hides)."""
    root = _package(
        tmp_path,
        {
            **HOUSE,
            "registry/http/netio.py": "def back():\n    from house.registry import resolution\n",
        },
    )
    assert cycles(graph(root, "house")) == [
        ["house.registry.http.netio", "house.registry.resolution", "house.registry.http.netio"]
    ]
    assert "house.registry.http.netio -> house.registry.resolution" in problems(root, "house")[0]


def test_a_cycle_through_a_package_init_fails(tmp_path: Path) -> None:
    """``from house.rules import Rule`` in a rule, while the package imports each rule."""
    root = _package(
        tmp_path,
        {
            **HOUSE,
            "rules/__init__.py": "from house.rules import one\n",
            "rules/one.py": "from house.rules import Rule\n",
        },
    )
    assert cycles(graph(root, "house")) == [["house.rules", "house.rules.one", "house.rules"]]


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        (
            "reference.py",
            "from house.registry.http import netio\n",
            "house.reference imports house.registry.http.netio",
        ),
        (
            "extract/kubernetes.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from house import report\n",
            "house.extract.kubernetes imports house.report",
        ),
        ("report/sarif.py", "import house.registry\n", "house.report.sarif imports house.registry"),
        ("source.py", "from . import commands\n", "house.source imports house.commands"),
        (
            "registry/details.py",
            "from house.registry.resolution import answers\n",
            "",  # inspect asks the answers too: allowed
        ),
        (
            "registry/http/tls.py",
            "from ..resolution import Resolver\n",
            "house.registry.http.tls imports house.registry.resolution",
        ),
    ],
)
def test_an_arrow_against_the_flow_fails(
    tmp_path: Path, relative: str, text: str, expected: str
) -> None:
    root = _package(tmp_path, {**HOUSE, relative: text})
    found = problems(root, "house")
    if expected:
        assert len(found) >= 1
        assert all(problem.startswith(expected) for problem in found), found
    else:
        assert found == []


def test_a_module_over_the_budget_fails(tmp_path: Path) -> None:
    root = _package(tmp_path, {**HOUSE, "extract/big.py": "x = 1\n" * (MAX_LINES + 1)})
    assert problems(root, "house") == [
        f"house/extract/big.py: {MAX_LINES + 1} lines (at most {MAX_LINES})"
    ]


# --- no private names of dependencies ----------------------------------------------------


def private_uses(root: Path, package: str) -> list[str]:
    """Where a module of ``package`` reaches into another project's private names: a
    private module (``from httpx._models import …``) or a private attribute of a module
    or a name imported from one (``httpx._config``, ``AsyncClient._transport``).

    Read from the source, so what it cannot see is a private attribute of an object
    (``client._transport = …``): the one assumption imagepin makes of a dependency's
    behaviour has its own test (tests/test_netio.py,
    ``test_httpcore_pool_over_netio_for_tls``).
    """
    found = []
    for name, path in modules(root, package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        theirs: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _dependency(alias.name, package):
                        theirs.add((alias.asname or alias.name).split(".")[0])
                        if _private_path(alias.name):
                            found.append(f"{name}: imports {alias.name}")
            elif isinstance(node, ast.ImportFrom) and not node.level:
                module = node.module or ""
                if _dependency(module, package):
                    theirs |= {alias.asname or alias.name for alias in node.names}
                    private = [a.name for a in node.names if _private(a.name)]
                    if _private_path(module) or private:
                        found.append(f"{name}: imports {', '.join(private) or module}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in theirs
            ):
                found.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _dependency(module: str, package: str) -> bool:
    top = module.split(".")[0]
    return bool(top) and top != package and top not in sys.stdlib_module_names


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_path(module: str) -> bool:
    # The first part is the distribution's import name (``_ruamel_yaml`` is
    # ruamel.yaml.clib's, imported by ruamel.yaml itself); below it, ``_x`` is private.
    return any(_private(part) for part in module.split(".")[1:])


def test_no_private_name_of_a_dependency() -> None:
    assert private_uses(ROOT, PACKAGE) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from httpx._models import Response\n", "house.reference: imports httpx._models"),
        ("import httpcore._async\n", "house.reference: imports httpcore._async"),
        ("from httpx import _config\n", "house.reference: imports _config"),
        (
            "def pool():\n    import httpx\n    return httpx._transports\n",
            "house.reference:3: httpx._transports",
        ),
        (
            "from httpx import AsyncClient\nAsyncClient._transport = None\n",
            "house.reference:2: AsyncClient._transport",
        ),
    ],
)
def test_a_private_name_of_a_dependency_fails(tmp_path: Path, text: str, expected: str) -> None:
    root = _package(tmp_path, {**HOUSE, "reference.py": text})
    assert private_uses(root, "house") == [expected]


def test_only_dependencies_are_checked(tmp_path: Path) -> None:
    """The standard library and our own modules are not dependencies."""
    text = "import asyncio\nfrom house import extract\nasyncio._x = extract._y\n"
    assert private_uses(_package(tmp_path, {**HOUSE, "reference.py": text}), "house") == []
