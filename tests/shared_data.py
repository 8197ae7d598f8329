"""The data some tests read from ``../shared``, the checkout next to this one.

Two things: ``corpus/`` (real repositories' YAML, scanned whole) and the SARIF 2.1.0
JSON schema. No test that defines behaviour depends on them (those use
tests/fixtures/); these add evidence on real files and against the official schema.

Locally a missing ``../shared`` skips the tests that read it, each saying so. Under
``CI=true`` it is an error: conftest.py stops the run before any test starts, so a CI
job can never pass on a suite that quietly shrank.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
#: Everything the suite reads from ``../shared``; the README lists the tests.
NEEDED = (CORPUS, SARIF_SCHEMA)


def under_ci() -> bool:
    """``CI`` as GitHub Actions, GitLab CI and most others set it."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing() -> list[Path]:
    return [path for path in NEEDED if not path.exists()]


def needs(path: Path) -> pytest.MarkDecorator:
    """Skip when ``path`` is absent (never under CI: conftest.py has refused the run)."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is missing (../shared)")


def refusal(absent: list[Path]) -> str:
    """Why a CI run stops when ``absent`` (some of NEEDED) are missing."""
    listed = ", ".join(str(path) for path in absent)
    return (
        f"CI=true and ../shared is incomplete: {listed} missing. Tests that read it would "
        f"skip and the run would pass with less than it claims. Check the shared data out "
        f"next to the project (at {SHARED}), or unset CI to run without those tests."
    )
