"""Per-file work started as soon as the references a file needs are answered.

Resolution is mostly waiting for the registries. Each file's rules, fix and write
(CPU, then system calls that release the GIL) run in one worker thread while the
rest of the answers are still on their way, instead of all after the last one.
One worker while the event loop runs, so that it competes with one thread only
for the GIL; once the answers are in, the caller's thread takes the files still
queued. The results come back in file order whatever the order the answers
arrived in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")


class Pipeline(Generic[T]):
    """``work(i)`` for each file ``i``, started once every key in ``needs[i]`` is answered.

    ``answered`` are the keys answered before it is made; ``answered(key)`` is called as
    the others arrive (from the event loop's thread); ``results()`` finishes the rest and
    returns every result in file order. Use it as a context manager so that an
    interrupted run waits for the file being written.
    """

    def __init__(
        self,
        needs: Sequence[Collection[Hashable]],
        work: Callable[[int], T],
        answered: Collection[Hashable] = (),
    ) -> None:
        self._work = work
        self._count = len(needs)
        self._missing = [len(keys) for keys in needs]
        self._waiting: dict[Hashable, list[int]] = defaultdict(list)
        for index, keys in enumerate(needs):
            for key in keys:
                self._waiting[key].append(index)
        self._started: dict[int, Future[T]] = {}
        self._pool: ThreadPoolExecutor | None = None
        ready = [index for key in answered for index in self._receive(key)]
        # With every answer in, nothing is awaited that the worker could overlap: the
        # caller's thread does all (no thread, no GIL contention).
        if any(self._missing):
            for index in ready:
                self._start(index)

    def answered(self, key: Hashable) -> None:
        for index in self._receive(key):
            self._start(index)

    def _receive(self, key: Hashable) -> list[int]:
        """The files ``key`` was the last missing answer of."""
        ready = []
        for index in self._waiting.pop(key, ()):
            self._missing[index] -= 1
            if not self._missing[index]:
                ready.append(index)
        return ready

    def results(self) -> list[T]:
        """Every file's result. The caller's thread, idle from here on, shares what is left
        with the worker: each file still queued (or never started: nothing answered, or no
        answer in time) is done here, while the worker's system calls release the GIL."""
        done: dict[int, T] = {}
        for index in range(self._count):
            future = self._started.get(index)
            if future is None or future.cancel():
                done[index] = self._work(index)
        return [
            done[index] if index in done else self._started[index].result()
            for index in range(self._count)
        ]

    def _start(self, index: int) -> None:
        if self._pool is None:
            # Imported here: an offline run never starts the thread (3 ms of start-up).
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imagepin-files")
        self._started[index] = self._pool.submit(self._work, index)

    def __enter__(self) -> Pipeline[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            # The file being written is finished (writes are atomic anyway); the rest dropped.
            self._pool.shutdown(wait=True, cancel_futures=True)
