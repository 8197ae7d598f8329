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
#: The grep of docs/testing.md (with --exclude=test_suite_rules.py: this line matches).
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


def _run_a_copy_of_the_suite(
    tmp_path: Path, ci: str | None, *, shared: bool = False, **environ: str
) -> subprocess.CompletedProcess[str]:
    """pytest on a project with this conftest and one passing test; ``shared`` lays out a
    ../shared beside it with what the suite reads (empty stand-ins)."""
    tests = tmp_path / "project" / "tests"
    tests.mkdir(parents=True)
    helpers = ("conftest.py", "shared_data.py", "report_factory.py", "hook_repository.py")
    for helper in (*helpers, "registry_server.py", "hostile_server.py"):
        shutil.copy(TESTS / helper, tests / helper)
    (tests / "test_one.py").write_text("def test_one() -> None:\n    pass\n", encoding="utf-8")
    if shared:
        (tmp_path / "shared" / "corpus").mkdir(parents=True)
        (tmp_path / "shared" / "schemas").mkdir()
        (tmp_path / "shared" / "schemas" / "sarif-schema-2.1.0.json").write_text("{}")
    keep = {k: v for k, v in os.environ.items() if k not in ("CI", "IMAGEPIN_UPDATE_GOLDEN")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tests.parent,
        env=keep | ({"CI": ci} if ci else {}) | environ,
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


def test_under_ci_with_shared_present_the_run_goes_on(tmp_path: Path) -> None:
    result = _run_a_copy_of_the_suite(tmp_path, "true", shared=True)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


def test_under_ci_rewriting_the_golden_files_is_refused(tmp_path: Path) -> None:
    result = _run_a_copy_of_the_suite(tmp_path, "true", shared=True, IMAGEPIN_UPDATE_GOLDEN="1")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert line.startswith("ERROR: CI=true and IMAGEPIN_UPDATE_GOLDEN is set: ")
    assert "checked, never rewritten" in line


def test_coverage_counts_what_runs_in_a_subprocess(tmp_path: Path) -> None:
    """The command's process ends with os._exit (cli._leave): coverage's own patch for it
    (``patch = ["subprocess", "_exit"]`` in pyproject.toml) saves the data first, so a
    test that runs imagepin as a process counts towards the figures in docs/coverage.md."""
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: nginx:1.27}\n"
    )
    (tmp_path / "spawn.py").write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'linter', 'check', '--offline', 'pod.yaml'])\n"
    )
    data = tmp_path / "data" / "coverage"
    coverage = [sys.executable, "-m", "coverage"]
    config = f"--rcfile={TESTS.parent / 'pyproject.toml'}"
    run = subprocess.run(
        [*coverage, "run", config, f"--data-file={data}", "spawn.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    subprocess.run([*coverage, "combine", config, f"--data-file={data}", "-q"], check=True)
    report = subprocess.run(
        [*coverage, "report", config, f"--data-file={data}", "--include=*/linter/cli.py"],
        capture_output=True,
        text=True,
        check=True,
    )
    # spawn.py imports nothing of linter: every line counted ran in the subprocess.
    (row,) = [line for line in report.stdout.splitlines() if "cli.py" in line]
    assert float(row.split()[-1].rstrip("%")) > 50, report.stdout


def test_the_readme_names_every_test_module_that_reads_shared() -> None:
    """Only tests/shared_data.py builds the ../shared paths; the README lists the modules
    that use them, and no other."""
    readers = {
        path.name
        for path in TESTS.glob("test_*.py")
        if path != Path(__file__).resolve()
        and re.search(r"^from shared_data import", path.read_text(encoding="utf-8"), re.M)
    }
    strays = [
        path.name
        for path in TESTS.glob("*.py")
        if path.name not in ("shared_data.py", Path(__file__).name)
        and re.search(r"""/ ["']shared["']""", path.read_text(encoding="utf-8"))
    ]
    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    paragraph = next(p for p in readme.split("\n\n") if "`../shared`" in p)
    named = set(re.findall(r"`(test_\w+\.py)", paragraph))
    assert (strays, named) == ([], readers)
