"""linter.pipeline: each file's work starts once its references are answered."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from linter.pipeline import Pipeline


class Recorder:
    def __init__(self) -> None:
        self.started: list[int] = []
        self.threads: set[str] = set()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, index: int) -> str:
        self.started.append(index)
        self.threads.add(threading.current_thread().name)
        self.release.wait(10)
        return f"file {index}"


def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("timed out")


def test_results_in_file_order_whatever_order_the_answers_come_in() -> None:
    work = Recorder()
    with Pipeline([{"a"}, {"b"}, {"a", "c"}, set()], work) as pipeline:
        pipeline.answered("c")
        pipeline.answered("b")
        # b alone made file 1 ready: the worker starts it before anything else is answered.
        wait_until(lambda: work.started == [1])
        pipeline.answered("a")
        assert pipeline.results() == ["file 0", "file 1", "file 2", "file 3"]
    assert sorted(work.started) == [0, 1, 2, 3]  # each file once


def test_the_callers_thread_takes_the_files_still_queued() -> None:
    """Once the answers are in, results() does the queued files itself while the worker
    is busy with its current one."""
    threads: dict[int, str] = {}
    first_running = threading.Event()
    others_done = threading.Event()

    def work(index: int) -> int:
        threads[index] = threading.current_thread().name
        if index == 0:
            first_running.set()
            assert others_done.wait(10)
        elif index == 2:
            others_done.set()
        return index

    with Pipeline([{"a"}, {"a"}, {"a"}, set()], work) as pipeline:
        pipeline.answered("a")
        assert first_running.wait(10)
        assert pipeline.results() == [0, 1, 2, 3]
    caller = threading.current_thread().name
    assert threads == {0: "imagepin-files_0", 1: caller, 2: caller, 3: caller}


def test_a_file_starts_while_other_answers_are_still_awaited() -> None:
    work = Recorder()
    with Pipeline([{"a"}, {"b"}], work) as pipeline:
        pipeline.answered("a")
        wait_until(lambda: bool(work.started))
        assert work.started == [0]  # before "b" is answered, before results()
        pipeline.answered("b")
        assert pipeline.results() == ["file 0", "file 1"]


def test_unanswered_files_are_done_at_the_end() -> None:
    """A reference the deadline cut short is never answered: its file still gets done."""
    work = Recorder()
    with Pipeline([{"a"}, {"never"}], work) as pipeline:
        pipeline.answered("a")
        pipeline.answered("unknown")  # nobody needs it
        assert pipeline.results() == ["file 0", "file 1"]


def test_without_answers_no_thread_is_started() -> None:
    """Offline: nothing to overlap, so the work runs in the caller's thread."""
    work = Recorder()
    with Pipeline([set(), {"a"}], work) as pipeline:
        assert pipeline.results() == ["file 0", "file 1"]
    assert work.threads == {threading.current_thread().name}


def test_answers_in_before_it_starts_their_files_while_others_are_awaited() -> None:
    work = Recorder()
    with Pipeline([{"a"}, {"b"}], work, answered=["a"]) as pipeline:
        wait_until(lambda: bool(work.started))
        assert work.started == [0]
        pipeline.answered("b")
        assert pipeline.results() == ["file 0", "file 1"]


def test_with_every_answer_in_no_thread_is_started() -> None:
    """A rerun the cache answers: nothing is awaited that a worker could overlap."""
    work = Recorder()
    with Pipeline([{"a"}, {"a", "b"}, set()], work, answered=["a", "b"]) as pipeline:
        assert pipeline.results() == ["file 0", "file 1", "file 2"]
    assert work.threads == {threading.current_thread().name}


def test_an_error_in_the_work_reaches_the_caller() -> None:
    def work(index: int) -> int:
        if index == 1:
            raise ValueError("broken")
        return index

    with Pipeline([{"a"}, {"a"}], work) as pipeline:
        pipeline.answered("a")
        with pytest.raises(ValueError, match="broken"):
            pipeline.results()


def test_an_interrupted_run_waits_for_the_file_in_progress_and_drops_the_rest() -> None:
    work = Recorder()
    work.release.clear()
    with pytest.raises(KeyboardInterrupt), Pipeline([{"a"}, {"a"}, {"a"}], work) as pipeline:
        pipeline.answered("a")
        while not work.started:
            threading.Event().wait(0.01)
        threading.Timer(0.2, work.release.set).start()
        raise KeyboardInterrupt
    assert work.started == [0]
