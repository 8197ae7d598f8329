"""Running a command and measuring it: wall time, CPU time and the peak memory of its process
tree."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    wall: float
    #: Peak resident set size in MiB of the process or of its largest waited-for child.
    peak_rss: float
    exit_code: int
    #: CPU seconds (user + system) of the process and the children it waited for.
    cpu: float = 0.0


class CommandFailed(RuntimeError):
    """A measured command exited with a code the benchmark did not expect."""


# Peak memory is read from wait4 in a small parent process of its own: a child forked
# from this (large) process starts with this process's memory as its peak.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
cpu = usage.ru_utime + usage.ru_stime
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} {cpu}")
"""


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: Path | None = None,
    expect: Sequence[int] = (0,),
) -> Sample:
    """Run ``argv`` to completion; its output goes to ``stdout`` (or nowhere), stderr too."""
    target = stdout or Path(os.devnull)
    with tempfile.TemporaryDirectory() as scratch:
        result = Path(scratch) / "result"
        with target.open("wb") as out:
            subprocess.run(
                [sys.executable, "-S", "-c", _LAUNCHER, str(result), *argv],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
            )
        wall, peak, code, cpu = result.read_text().split()
    if int(code) not in expect:
        shown = target.read_text(errors="replace")[-2000:] if stdout else ""
        raise CommandFailed(f"{' '.join(argv)} exited {code} (expected {list(expect)})\n{shown}")
    return Sample(float(wall), int(peak) / 1024, int(code), float(cpu))


def summarize(samples: Sequence[Sample]) -> Sample:
    """The median wall and CPU times of ``samples``, and the largest peak memory of any."""
    return Sample(
        statistics.median(s.wall for s in samples),
        max(s.peak_rss for s in samples),
        samples[-1].exit_code,
        statistics.median(s.cpu for s in samples),
    )


def repeat(times: int, measure: Callable[[], Sample]) -> Sample:
    return summarize([measure() for _ in range(times)])


def best_of(times: int, work: Callable[[], object]) -> float:
    """The shortest of ``times`` in-process timings of ``work`` (the least disturbed run)."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


@dataclass(frozen=True)
class Pairs:
    """Two commands run in pairs, the order alternating, so both meet the same moment of a
    shared machine; ``ratios``: the first's wall time over the second's, pair by pair."""

    first: Sample
    second: Sample
    ratios: tuple[float, ...]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def paired(times: int, first: Callable[[], Sample], second: Callable[[], Sample]) -> Pairs:
    samples: tuple[list[Sample], list[Sample]] = ([], [])
    for index in range(times):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for side in order:
            samples[side].append((first, second)[side]())
    ratios = tuple(a.wall / b.wall for a, b in zip(*samples, strict=True))
    return Pairs(summarize(samples[0]), summarize(samples[1]), ratios)
