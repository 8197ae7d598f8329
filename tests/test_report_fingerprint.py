from __future__ import annotations

import pytest
from report_factory import finding

from linter.model import Finding
from linter.report.fingerprint import fingerprints

A = finding("a.yaml", 3, 5)


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        (A, finding("a.yaml", 30, 9), True),
        (A, finding("a.yaml", 3, 5, message="reworded"), True),
        (A, finding("b.yaml", 3, 5), False),
        (A, finding("a.yaml", 3, 5, "IMG002"), False),
        (A, finding("a.yaml", 3, 5, image="nginx:1.28"), False),
    ],
)
def test_identity(before: Finding, after: Finding, same: bool) -> None:
    assert (fingerprints([before]) == fingerprints([after])) is same


def test_shape() -> None:
    (value,) = fingerprints([A])
    assert len(value) == 32
    assert int(value, 16) >= 0


def test_duplicates_are_numbered_in_file_order_whatever_the_input_order() -> None:
    first, second = finding("a.yaml", 3, 5), finding("a.yaml", 9, 5)
    ids = fingerprints([first, second])
    assert len(set(ids)) == 2
    assert fingerprints([second, first]) == ids[::-1]
    assert fingerprints([finding("a.yaml", 1, 1)])[0] == ids[0]
