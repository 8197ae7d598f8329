"""The suite's own rules, checked on its source (docs/testing.md says why each exists).

No test reads a clock to bound how long something took: on a busy 2-core machine any
threshold flakes. Tests assert what is countable (attempts, requests, the deadline's
message); pytest-timeout catches a hang; benchmarks/ measures speed. The servers the tests
start (tests/hostile_server.py, tests/registry_server.py) may read the clock to pace
what they send; they assert nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

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
