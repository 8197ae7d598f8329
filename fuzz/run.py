"""Atheris targets for long fuzzing runs (fuzz/README.md): the properties of
tests/test_properties.py, driven by coverage-guided bytes instead of hypothesis.

    python fuzz/run.py reference|extract|fix [libFuzzer options] [corpus directories]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

with atheris.instrument_imports(include=["linter"]):
    from linter.extract import extract
    from linter.fixer import fix_text

from test_properties import (
    assert_only_spans_changed,
    assert_parses_or_explains,
    assert_spans_point_at_the_scalar,
    valid_pins,
)

PATHS = ("a.yaml", "compose.yaml", "kustomization.yaml", "templates/t.yaml")


def _text(data: bytes) -> tuple[str, str]:
    """A file name and a text from the fuzzer's bytes (the first byte picks the name)."""
    provider = atheris.FuzzedDataProvider(data)
    path = PATHS[provider.ConsumeIntInRange(0, len(PATHS) - 1)]
    return path, provider.ConsumeUnicodeNoSurrogates(len(data))


def reference(data: bytes) -> None:
    assert_parses_or_explains(_text(data)[1])


def extraction(data: bytes) -> None:
    path, text = _text(data)
    for occurrence in extract(path, text).occurrences:
        assert_spans_point_at_the_scalar(text, occurrence)


def fixing(data: bytes) -> None:
    path, text = _text(data)
    pins = valid_pins(path, text)
    result = fix_text(path, text, pins)
    if result.error is not None:
        return
    skipped = {s.occurrence for s in result.skipped}
    assert_only_spans_changed(text, result.text, [p for p in pins if p.occurrence not in skipped])
    again = fix_text(path, result.text, valid_pins(path, result.text))
    assert not again.changed and again.error is None


TARGETS: dict[str, Callable[[bytes], None]] = {
    "reference": reference,
    "extract": extraction,
    "fix": fixing,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(TARGETS)} [libFuzzer options] [corpus ...]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
