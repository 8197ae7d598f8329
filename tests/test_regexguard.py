"""A configured pattern that can backtrack exponentially is refused (regexguard.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_process import run_imagepin

from linter.regexguard import nested_repetition


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        # the known exponential shape: a repeated group of repetitions only
        (r"(?P<image>(a+)+)$", "(a+)+"),
        (r"(\w+\s?)*", r"(\w+\s?)*"),
        (r"((ab)*)+", "((ab)*)+"),
        (r"(a*){2,}", "(a*){2,}"),
        (r"(a+){1,20}", "(a+){1,20}"),
        (r"(a{1,})+", "(a{1,})+"),
        (r"(?P<image>(?:[^\s]+)+)", r"(?:[^\s]+)+"),
        (r"(?:(?:a+))+", "(?:(?:a+))+"),
        (r"^(?:\s*a+)*$", r"(?:\s*a+)*"),
        (r"(a+|b)*", "(a+|b)*"),  # one branch of repetitions only is enough
        (r"(b|a+)*", "(b|a+)*"),
        (r"(?=a+)+b", "(?=a+)+"),
        (r"(?i:a+)*", "(?i:a+)*"),
        # a character matched once per repetition keeps the splits apart
        (r"image: (?P<image>\S+)", None),
        (r"(?P<image>[a-z]+(?:/[a-z]+)*)", None),
        (r"(?P<image>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[\w][\w.-]{0,127})?)", None),
        (r"(?:b|a+c)*", None),
        (r"((?:/x+))*", None),
        (r"(a{2}b+)*", None),
        (r"(?:\\d+)*", None),  # an escaped backslash, then d+
        # few repetitions, or none unbounded
        (r"(a+){1,3}", None),
        (r"(?i)(a+)?", None),
        (r"(?:ab?)*", None),
        # what only looks like a group or a quantifier
        (r"[(a+)]+", None),
        (r"\(a+\)+", None),
        (r"[]a+]+", None),
        (r"[^]]*", None),
        (r"(?#c a+)x+", None),
        (r"x{foo}+", None),
        (r"a{,5}", None),
        (r"(?P<x>a)(?P=x)+", None),
    ],
)
def test_nested_repetition(pattern: str, refused: str | None) -> None:
    re.compile(pattern)
    assert nested_repetition(pattern) == refused


def test_a_pattern_that_would_hang_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".imagepin.toml").write_text(
        '[[regex-extractors]]\nfiles = ["*.txt"]\npattern = "(?P<image>(a+)+)$"\n'
    )
    (tmp_path / "images.txt").write_text("a" * 64 + "!\n")
    finished = run_imagepin(["check", "--offline", "."], cwd=tmp_path)
    assert finished.code == 2
    assert "regex-extractors[0].pattern: '(a+)+' repeats a group" in finished.err
