from __future__ import annotations

import pytest
from fake_github import commentable_lines

from linter.github.diff import right_lines

PATCH = """\
@@ -1,4 +1,5 @@
 apiVersion: v1
-kind: Pod
+kind: Deployment
+metadata: {}
 spec:
   image: nginx:1.27
@@ -20,3 +21,3 @@ spec:
 a: 1
-b: 2
+b: 3
 c: 4"""


TABLE = [
    ("", {}),
    (
        PATCH,
        {
            1: "apiVersion: v1",
            2: "kind: Deployment",
            3: "metadata: {}",
            4: "spec:",
            5: "  image: nginx:1.27",
            21: "a: 1",
            22: "b: 3",
            23: "c: 4",
        },
    ),
    ("@@ -0,0 +1 @@\n+only", {1: "only"}),
    ("@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file", {1: "one", 2: "two"}),
    ("@@ -1,2 +0,0 @@\n-gone\n-too", {}),
    ("@@ -3,2 +3,2 @@\n-x\n+y\r\n \r", {3: "y", 4: ""}),
    ("@@ -3,1 +3,1 @@\n+--- not a header\n-x", {3: "--- not a header"}),
    ("@@ -1,3 +1,3 @@\n a\n\n c", {1: "a", 2: "", 3: "c"}),
]


@pytest.mark.parametrize(("patch", "lines"), TABLE)
def test_right_lines(patch: str, lines: dict[int, str]) -> None:
    assert right_lines(patch) == lines


@pytest.mark.parametrize(("patch", "lines"), TABLE)
def test_the_fake_githubs_own_parser_agrees(patch: str, lines: dict[int, str]) -> None:
    """tests/fake_github.py decides "outside the diff" with a parser of its own."""
    assert set(commentable_lines(patch)) == set(lines)


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        ("@@ -1,1 +1,2 @@\n a\n-b\n+c", "longer than its header says"),
        ("@@ -1,2 +1,2 @@\n a\n-b\n+c\n+d", "expected a hunk header, found '\\+d'"),
        ("@@ -1,3 +1,3 @@\n a\n b", "ends inside hunk 0"),
        ("not a hunk", "expected a hunk header"),
        ("@@ -1 +1 @@\n*x", "not a line of a unified diff"),
    ],
)
def test_the_fake_refuses_a_patch_that_does_not_add_up(patch: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        commentable_lines(patch)


def test_the_fake_knows_which_hunk_a_line_is_in() -> None:
    assert commentable_lines(PATCH) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 21: 1, 22: 1, 23: 1}
