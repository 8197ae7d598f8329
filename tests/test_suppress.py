from __future__ import annotations

import pytest

from linter.suppress import parse

TEXT = """\
containers:
  - image: a:1  # imagepin: ignore
  - image: b:1  # imagepin: ignore[IMG001, latest-tag]
  # imagepin: ignore[IMG002]
  - image: c
  - image: "d # imagepin: ignore"
  - image: e:1 #imagepin:ignore[img001]
"""


@pytest.mark.parametrize(
    ("line", "rule", "name", "suppressed"),
    [
        (2, "IMG001", "unpinned-tag", True),
        (2, "IMG003", "invalid-reference", True),
        (3, "IMG001", "unpinned-tag", True),
        (3, "IMG002", "latest-tag", True),
        (3, "IMG003", "invalid-reference", False),
        (5, "IMG002", "latest-tag", True),
        (5, "IMG001", "unpinned-tag", False),
        (4, "IMG002", "latest-tag", False),
        (7, "IMG001", "unpinned-tag", True),
        (1, "IMG001", "unpinned-tag", False),
    ],
)
def test_lines(line: int, rule: str, name: str, suppressed: bool) -> None:
    assert parse(TEXT).suppresses(line, rule, name) is suppressed


@pytest.mark.parametrize(
    ("text", "disabled"),
    [
        ("# imagepin: disable-file\nimage: a\n", True),
        ("\ufeff# header\n\n# imagepin: disable-file\n---\nimage: a\n", True),
        ("image: a\n# imagepin: disable-file\n", False),
        ("image: a\n", False),
    ],
)
def test_disable_file(text: str, disabled: bool) -> None:
    assert parse(text).disabled is disabled
