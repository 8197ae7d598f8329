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
    # Imported to be instrumented: the checks below call them.
    import linter.extract
    import linter.fixer  # noqa: F401

from test_properties import (
    assert_parses_or_explains,
    extract_and_check,
    fix_and_check,
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
    extract_and_check(*_text(data))


def fixing(data: bytes) -> None:
    fix_and_check(_text(data))


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
