from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from linter.diff import unified

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    (
        pytest.param("a: 1\n", "a: 1\n", "", id="equal"),
        pytest.param("", "", "", id="empty"),
        pytest.param(
            "image: nginx:1.27\n",
            f"image: nginx:1.27@{DIGEST}\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1 +1 @@\n"
            f"-image: nginx:1.27\n+image: nginx:1.27@{DIGEST}\n",
            id="one-line",
        ),
        pytest.param(
            "a: 1\r\nimage: x:1\r\nb: 2\r\n",
            "a: 1\r\nimage: x:2\r\nb: 2\r\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1,3 +1,3 @@\n"
            " a: 1\r\n-image: x:1\r\n+image: x:2\r\n b: 2\r\n",
            id="crlf-kept",
        ),
        pytest.param(
            "image: x:1",
            "image: x:2",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1 +1 @@\n"
            "-image: x:1\n\\ No newline at end of file\n"
            "+image: x:2\n\\ No newline at end of file\n",
            id="no-final-newline",
        ),
        pytest.param(
            "a: 1\nimage: x:1",
            "a: 1\nimage: x:1\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1,2 +1,2 @@\n"
            " a: 1\n-image: x:1\n\\ No newline at end of file\n+image: x:1\n",
            id="final-newline-added",
        ),
        pytest.param(
            "\ufeffimage: x:1\n",
            "\ufeffimage: x:2\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1 +1 @@\n-\ufeffimage: x:1\n+\ufeffimage: x:2\n",
            id="bom",
        ),
        pytest.param(
            "images:\n- name: x\n  newTag: '1'\n",
            f"images:\n- name: x\n  newTag: '1'\n  digest: {DIGEST}\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1,3 +1,4 @@\n"
            f" images:\n - name: x\n   newTag: '1'\n+  digest: {DIGEST}\n",
            id="inserted-line",
        ),
        pytest.param(
            "a: 1\x0bb\nimage: x:1\n",
            "a: 1\x0bb\nimage: x:2\n",
            "--- a/k.yaml\n+++ b/k.yaml\n@@ -1,2 +1,2 @@\n a: 1\x0bb\n-image: x:1\n+image: x:2\n",
            id="only-newline-splits-lines",
        ),
    ),
)
def test_unified(old: str, new: str, expected: str) -> None:
    assert unified("k.yaml", old, new) == expected


def test_context_is_three_lines_by_default() -> None:
    old = "".join(f"line{i}: {i}\n" for i in range(20))
    new = old.replace("line10: 10", "line10: ten")
    hunk = unified("k.yaml", old, new).splitlines()[2:]
    assert hunk[0] == "@@ -8,7 +8,7 @@"
    assert unified("k.yaml", old, new, context=0).splitlines()[2] == "@@ -11 +11 @@"


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch program")
@pytest.mark.parametrize(
    ("old", "new"),
    (
        ("a: 1\r\nimage: x:1\r\nb: 2", "a: 1\r\nimage: x:2\r\nb: 2"),
        ("\ufeffa: 1\nimage: x:1", "\ufeffa: 1\nimage: x:2\n"),
        ("x: 1\n" * 10 + "image: y\n", "x: 1\n" * 10 + f"image: y:latest@{DIGEST}\n"),
    ),
)
def test_patch_reproduces_new_bytes(tmp_path: Path, old: str, new: str) -> None:
    target = tmp_path / "k.yaml"
    target.write_bytes(old.encode())
    diff = unified("k.yaml", old, new).encode()
    subprocess.run(["patch", "-p1", "--binary", "-s"], input=diff, cwd=tmp_path, check=True)
    assert target.read_bytes() == new.encode()
