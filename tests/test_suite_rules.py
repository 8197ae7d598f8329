"""The suite's own rules (docs/testing.md says why each exists): what it reads, what it
refuses to do.

No test reads a clock to bound how long something took: on a busy 2-core machine any
threshold flakes. Tests assert what is countable (attempts, requests, the deadline's
message); pytest-timeout catches a hang; benchmarks/ measures speed. The servers the tests
start (tests/hostile_server.py, tests/registry_server.py) may read the clock to pace
what they send; they assert nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
#: The grep of docs/testing.md: ``grep -rnE '<this>' tests/test_*.py tests/conftest.py``.
CLOCK = r"time\.(monotonic|perf_counter|process_time|time)\(|timeit|\belapsed\b"


def test_no_test_reads_a_clock_to_time_itself() -> None:
    modules = {*TESTS.glob("test_*.py"), TESTS / "conftest.py"} - {Path(__file__).resolve()}
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(modules)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(CLOCK, line)
    ]
    assert found == [], "assert counts or messages instead:\n" + "\n".join(found)


def _run_a_copy_of_the_suite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """pytest on a project with this conftest and one passing test, and no ../shared."""
    tests = tmp_path / "project" / "tests"
    tests.mkdir(parents=True)
    for helper in ("conftest.py", "shared_data.py", "registry_server.py"):
        shutil.copy(TESTS / helper, tests / helper)
    (tests / "test_one.py").write_text("def test_one() -> None:\n    pass\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tests.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_missing_shared_checkout_stops_the_run(tmp_path: Path, ci: str) -> None:
    result = _run_a_copy_of_the_suite(tmp_path, ci)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    shared = tmp_path / "shared"
    assert line.startswith(f"ERROR: CI=true and ../shared is incomplete: {shared}/corpus, ")
    assert "the run would pass with less than it claims" in line


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_ci_a_missing_shared_checkout_is_no_error(tmp_path: Path, ci: str | None) -> None:
    result = _run_a_copy_of_the_suite(tmp_path, ci)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
