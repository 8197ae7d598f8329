from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from report_factory import DIGEST_A, finding_in

from linter.model import Edit, Finding
from linter.report import fixes

TEXT = "a: 1\nimage: nginx:1.27\r\nb: [redis, 'busybox']\n"


@pytest.mark.parametrize(
    ("offset", "position"),
    [(0, (1, 1)), (3, (1, 4)), (5, (2, 1)), (12, (2, 8)), (len(TEXT), (4, 1))],
)
def test_position(offset: int, position: tuple[int, int]) -> None:
    assert fixes.position(TEXT, offset) == position


@pytest.mark.parametrize(
    ("edits", "change"),
    [
        ([], None),
        (
            [Edit(12, 22, f"nginx:1.27@{DIGEST_A}")],
            fixes.LineChange(2, 2, "image: nginx:1.27", f"image: nginx:1.27@{DIGEST_A}"),
        ),
        (
            [Edit(28, 33, "redis:7"), Edit(36, 43, "busybox:1")],
            fixes.LineChange(3, 3, "b: [redis, 'busybox']", "b: [redis:7, 'busybox:1']"),
        ),
        (
            [Edit(22, 22, "\r\ndigest: x")],
            fixes.LineChange(2, 2, "image: nginx:1.27", "image: nginx:1.27\ndigest: x"),
        ),
        (
            [Edit(len(TEXT), len(TEXT), "c: 2\n")],
            fixes.LineChange(4, 4, "", "c: 2\n"),
        ),
    ],
)
def test_line_change(edits: list[Edit], change: fixes.LineChange | None) -> None:
    assert fixes.line_change(TEXT, edits) == change


def test_edits_come_from_the_fixer() -> None:
    found = finding_in(TEXT, "redis", "a.yaml", rule="IMG002")
    assert fixes.edits(found, TEXT) == [Edit(28, 33, f"redis:latest@{DIGEST_A}")]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: f._replace(suggestion=None), id="no suggestion"),
        pytest.param(lambda f: f._replace(occurrence=None), id="no occurrence"),
        pytest.param(lambda f: f._replace(suggestion="redis@sha256:zz"), id="bad digest"),
        pytest.param(
            lambda f: f._replace(occurrence=f.occurrence._replace(edit=None)), id="no span"
        ),
    ],
)
def test_no_edits(change: Callable[[Finding], Finding]) -> None:
    found = change(finding_in(TEXT, "redis", "a.yaml"))
    assert fixes.edits(found, TEXT) == []


def test_no_edits_on_a_changed_file() -> None:
    found = finding_in(TEXT, "redis", "a.yaml")
    assert fixes.edits(found, TEXT.replace("redis", "valkey")) == []


def test_read_text(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xef\xbb\xbfimage: x\r\n")
    assert fixes.read_text(str(tmp_path), "a.yaml") == "\ufeffimage: x\r\n"
    assert fixes.read_text(str(tmp_path), "missing.yaml") is None
