from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("patch", "lines"),
    [
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
    ],
)
def test_right_lines(patch: str, lines: dict[int, str]) -> None:
    assert right_lines(patch) == lines
