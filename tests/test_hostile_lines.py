"""One definition of a line, and YAML read as kubectl reads it.

A line ends at ``\\n``, everywhere: findings, suppression comments, SARIF regions,
GitHub annotations and diff hunks. U+0085, U+2028 and U+2029 are characters YAML
keeps inside a quoted scalar, not line breaks (``str.splitlines`` breaks at them,
and made ``# imagepin: ignore`` silence the wrong line). A directive counts only in
a real comment, never inside a quoted string or a block scalar. Every file here is
one that kubectl, Compose or BuildKit accepts.

Each case runs ``imagepin`` in a subprocess under tests/hostile_process.py's limits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hostile_process import run_imagepin
from registry_server import Registry

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"


def lint(tmp_path: Path, name: str, text: str, *args: str) -> list[tuple[int, str, str]]:
    """(line, rule, image) of each finding of ``check --offline`` on one file."""
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / name).write_text(text, encoding="utf-8", newline="")
    done = run_imagepin(["check", "--offline", "--format", "json", *args, name], cwd=repo)
    return [(f["line"], f["rule"], f["image"]) for f in json.loads(done.out)["findings"]]


SEPARATORS = {"NEL": "\u0085", "LS": "\u2028", "PS": "\u2029"}


@pytest.mark.parametrize("separator", sorted(SEPARATORS))
def test_a_unicode_line_separator_in_a_quoted_scalar_is_no_line_break(
    separator: str, tmp_path: Path
) -> None:
    text = (
        POD
        + f'  - name: "a{SEPARATORS[separator]}b"\n'
        + "    # imagepin: ignore\n"
        + "    image: nginx:1.27\n"
        + "  - name: c\n"
        + "    image: redis:7\n"
    )
    assert lint(tmp_path, "pod.yaml", text) == [(11, "IMG001", "redis:7")]


@pytest.mark.parametrize("before", [*sorted(SEPARATORS.values()), "\U0001f600", "\u00e9"])
def test_a_refused_character_is_located_by_characters_and_lines(
    before: str, tmp_path: Path
) -> None:
    """libyaml says where a character it refuses is in bytes of UTF-8: a line separator
    or any non-ASCII character before it moved the finding (to the next line for U+2028)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    text = POD + f'  - name: "a{before}b"\n    image: nginx:1.27\x01\n'
    (repo / "pod.yaml").write_text(text, encoding="utf-8", newline="")
    done = run_imagepin(["check", "--offline", "--format", "json", "pod.yaml"], cwd=repo)
    (finding,) = json.loads(done.out)["findings"]
    assert (finding["rule"], finding["line"], finding["column"]) == ("IMG000", 8, 22)
    assert "unacceptable character #x0001" in finding["message"]


CASES: dict[str, tuple[str, str, list[tuple[int, str, str]]]] = {
    # --- a directive inside a string is no comment -----------------------------------------
    "directive in a quoted string": (
        "pod.yaml",
        POD + '  - {name: "x # imagepin: ignore", image: nginx:1.27}\n',
        [(7, "IMG001", "nginx:1.27")],
    ),
    "directive in a single-quoted string": (
        "pod.yaml",
        POD + "  - {name: 'x # imagepin: ignore', image: nginx:1.27}\n",
        [(7, "IMG001", "nginx:1.27")],
    ),
    "directive in a block scalar's line": (
        "pod.yaml",
        POD + "  - name: a\n    args: |\n      # imagepin: ignore\n    image: nginx:1.27\n",
        [(10, "IMG001", "nginx:1.27")],
    ),
    "directive in a multi-line quoted string": (
        "pod.yaml",
        POD + '  - name: "a\n      # imagepin: ignore"\n    image: nginx:1.27\n',
        [(9, "IMG001", "nginx:1.27")],
    ),
    "real comment after a quoted string": (
        "pod.yaml",
        POD + '  - {name: "#x", image: nginx:1.27}  # imagepin: ignore\n',
        [],
    ),
    "real comment after a block scalar": (
        "pod.yaml",
        POD + "  - name: a\n    args: |\n      x\n    # imagepin: ignore\n    image: nginx:1.27\n",
        [],
    ),
    "comment above, with another comment between": (
        "pod.yaml",
        POD
        + "  - name: a\n    # imagepin: ignore\n    # why: a test image\n    image: nginx:1.27\n",
        [],
    ),
    # --- disable-file ----------------------------------------------------------------------
    "disable-file after a %YAML directive": (
        "pod.yaml",
        "%YAML 1.2\n---\n# imagepin: disable-file\n" + POD + "  - image: nginx:1.27\n",
        [],
    ),
    "disable-file after a %TAG directive and a document start with a comment": (
        "pod.yaml",
        "%TAG !e! tag:example.com,2000:\n--- # the pod\n# imagepin: disable-file\n"
        + POD
        + "  - image: nginx:1.27\n",
        [],
    ),
    "disable-file after content is no disable-file": (
        "pod.yaml",
        POD + "  - image: nginx:1.27\n# imagepin: disable-file\n",
        [(7, "IMG001", "nginx:1.27")],
    ),
    # --- Dockerfile continuations ----------------------------------------------------------
    "above a Dockerfile instruction with continuations": (
        "Dockerfile",
        "# imagepin: ignore\nFROM --platform=linux/amd64 \\\n    nginx:1.27 \\\n    AS base\n"
        "FROM redis:7\n",
        [(5, "IMG001", "redis:7")],
    ),
    "above a Dockerfile instruction, a comment inside its continuation": (
        "Dockerfile",
        "# imagepin: ignore[IMG001]\nFROM \\\n# a comment BuildKit drops\n    nginx:1.27\n"
        "FROM redis:7\n",
        [(5, "IMG001", "redis:7")],
    ),
    "a Dockerfile's escape directive": (
        "Dockerfile",
        "# escape=`\n# imagepin: ignore\nFROM `\n    nginx:1.27\nFROM redis:7\n",
        [(5, "IMG001", "redis:7")],
    ),
    # --- YAML both parsers need --------------------------------------------------------------
    "a tab before a comment, and a flow mapping": (
        "pod.yaml",
        POD.replace("  name: p\n", "  name: p\t# the pod\n") + "  - {name: a, image: nginx:1.27}\n",
        [(7, "IMG001", "nginx:1.27")],
    ),
    "a tab after a key, and a flow mapping": (
        "pod.yaml",
        POD.replace("  name: p\n", "  name:\tp\t\n") + "  - {name: a, image: nginx:1.27}\n",
        [(7, "IMG001", "nginx:1.27")],
    ),
    "a tab-indented comment line, and a flow mapping": (
        "pod.yaml",
        POD + "\t# note\n  - {name: a, image: nginx:1.27}\n",
        [(8, "IMG001", "nginx:1.27")],
    ),
    "a tab inside a plain scalar, and a flow mapping": (
        "pod.yaml",
        POD + "  - {name: a, image: nginx:1.27}\n  - name: b\n    args: [a\tb]\n"
        "    command:\n    - echo\ta\t b\n    image: redis:7\n",
        [(7, "IMG001", "nginx:1.27"), (12, "IMG001", "redis:7")],
    ),
    "a tab after a block scalar's indicator, and a flow mapping": (
        "pod.yaml",
        POD + "  - {name: a, image: nginx:1.27}\n  - name: b\n    args: |-\t# the script\n"
        "      echo\n    image: redis:7\n",
        [(7, "IMG001", "nginx:1.27"), (11, "IMG001", "redis:7")],
    ),
    # --- Kustomize reads newTag as a string only -------------------------------------------
    "kustomize newTag a number": (
        "kustomization.yaml",
        "images:\n- name: nginx\n  newTag: 1.20\n- name: redis\n  newTag: 7\n"
        "- name: busybox\n  newTag: true\n- name: alpine\n  newTag: '3.20'\n",
        [
            (3, "IMG003", "nginx:1.20"),
            (5, "IMG003", "redis:7"),
            (7, "IMG003", "busybox:true"),
            (9, "IMG001", "alpine:3.20"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lines_and_comments(case: str, tmp_path: Path) -> None:
    name, text, expected = CASES[case]
    assert lint(tmp_path, name, text) == expected


def test_a_tab_indentation_is_still_refused(tmp_path: Path) -> None:
    """Tabs are separation, never indentation: the YAML error is kept (IMG000)."""
    found = lint(tmp_path, "pod.yaml", POD + "\t- image: nginx:1.27\n")
    assert [rule for _, rule, _ in found] == ["IMG000"]


def test_kustomize_says_how_to_write_it(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "kustomization.yaml").write_text("images:\n- name: nginx\n  newTag: 1.20\n")
    done = run_imagepin(["check", "--offline", "kustomization.yaml"], cwd=repo)
    assert (
        'kustomize reads newTag: 1.20 as a number and refuses it; write newTag: "1.20"' in done.out
    )


# --- fix, the diff, SARIF and annotations agree on the line -------------------------------------


def test_fix_pins_what_is_not_suppressed_and_every_format_names_the_same_line(
    plain_registry: Registry, tmp_path: Path
) -> None:
    suppressed, reported = (
        plain_registry.ref("app/oci", "1.0"),
        plain_registry.ref("app/single", "1.0"),
    )
    text = (
        POD
        + '  - name: "a\u2028b\u0085c\u2029d"\n'
        + "    # imagepin: ignore\n"
        + f"    image: {suppressed}\n"
        + "  - name: e\n"
        + f"    image: {reported}\n"
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    pod = repo / "pod.yaml"
    pod.write_text(text, encoding="utf-8", newline="")
    args = ["--no-cache", "pod.yaml"]
    sarif: Any = json.loads(run_imagepin(["check", "--format", "sarif", *args], cwd=repo).out)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    assert [region["startLine"] for region in regions] == [11]
    github = run_imagepin(["check", "--format", "github", *args], cwd=repo).out
    assert re.findall(r",line=(\d+),", github) == ["11"]
    diff = run_imagepin(["fix", "--diff", *args], cwd=repo).out
    assert "@@ -8,4 +8,4 @@" in diff and diff.count(f"+    image: {reported}@sha256:") == 1
    assert run_imagepin(["fix", *args], cwd=repo).code == 1
    after = pod.read_text(encoding="utf-8")
    assert f"    image: {suppressed}\n" in after
    assert re.search(rf"    image: {re.escape(reported)}@sha256:[0-9a-f]{{64}}\n", after)
    assert after.replace(re.search(r"@sha256:[0-9a-f]{64}", after).group(), "") == text  # type: ignore[union-attr]
