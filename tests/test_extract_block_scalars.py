"""Images written as block scalars (``image: >-`` and the reference on the next line)."""

from __future__ import annotations

import pytest

from linter.extract import extract
from linter.fixer import Pin, fix_text

DIGEST = "sha256:" + "d" * 64
POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: "


@pytest.mark.parametrize(
    ("block", "fixed"),
    [
        (">-\n      nginx:1.27\n", f">-\n      nginx:1.27@{DIGEST}\n"),
        ("|-\n      nginx:1.27\n", f"|-\n      nginx:1.27@{DIGEST}\n"),
        # Indentation indicator, a comment on the header, blank lines after, no final break.
        (">2-  # base\n      nginx:1.27\n\n\n", f">2-  # base\n      nginx:1.27@{DIGEST}\n\n\n"),
        (">-\n      nginx:1.27", f">-\n      nginx:1.27@{DIGEST}"),
        (
            ">-\r\n      nginx:1.27\r\n    x: 1\r\n",
            f">-\r\n      nginx:1.27@{DIGEST}\r\n    x: 1\r\n",
        ),
        # Already pinned: found and left as it is.
        (f">-\n      nginx:1.27@{DIGEST}\n", f">-\n      nginx:1.27@{DIGEST}\n"),
    ],
)
def test_one_line_block_scalars_are_fixed_in_place(block: str, fixed: str) -> None:
    text = POD + block
    (found,) = extract("pod.yaml", text).occurrences
    assert found.edit is not None
    assert text[found.edit.start : found.edit.end] == found.image
    assert (found.line, found.column) == (6, 12)
    result = fix_text("pod.yaml", text, [Pin(found, DIGEST)])
    assert result.error is None
    assert result.text == POD + fixed


@pytest.mark.parametrize(
    ("block", "image"),
    [
        # Clip keeps the final line break: the value is not the reference (IMG003 says so).
        (">\n      nginx:1.27\n", "nginx:1.27\n"),
        ("|\n      nginx:1.27\n", "nginx:1.27\n"),
        # Folded over two lines, or a blank line first: not one span of the file.
        (">-\n      nginx\n      :1.27\n", "nginx :1.27"),
        ("|-\n      nginx\n      :1.27\n", "nginx\n:1.27"),
        (">-\n\n      nginx:1.27\n", "\nnginx:1.27"),
        # Spaces the indentation indicator leaves in the value.
        (">2-\n        nginx:1.27\n", "  nginx:1.27"),
    ],
)
def test_other_block_scalars_are_found_not_rewritten(block: str, image: str) -> None:
    (found,) = extract("pod.yaml", POD + block).occurrences
    assert (found.image, found.edit) == (image, None)
