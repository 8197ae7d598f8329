"""linter.pipeline: each file's work starts once its references are answered."""

from __future__ import annotations

import threading

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


def test_results_in_file_order_whatever_order_the_answers_come_in() -> None:
    work = Recorder()
    with Pipeline([{"a"}, {"b"}, {"a", "c"}, set()], work) as pipeline:
        for key in ("c", "b", "a"):
            pipeline.answered(key)
        assert pipeline.results() == ["file 0", "file 1", "file 2", "file 3"]
    # b alone made file 1 ready; a then finished 0 and 2; 3 needed nothing, done at the end.
    assert work.started == [1, 0, 2, 3]
    assert work.threads == {"imagepin-files_0"}


def test_a_file_starts_while_other_answers_are_still_awaited() -> None:
    work = Recorder()
    with Pipeline([{"a"}, {"b"}], work) as pipeline:
        pipeline.answered("a")
        for _ in range(1000):
            if work.started:
                break
            threading.Event().wait(0.01)
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
