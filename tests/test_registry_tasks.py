from __future__ import annotations

import asyncio

import pytest

from linter.registry.tasks import Once, cancel_pending


def test_once_computes_each_key_once() -> None:
    calls: list[str] = []

    async def compute(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0.01)
        return key.upper()

    async def run() -> list[str]:
        once: Once[str] = Once()
        keys = ["a", "b", "a", "a", "b", "c"]
        return await asyncio.gather(*(once.run(k, lambda k=k: compute(k)) for k in keys))

    assert asyncio.run(run()) == ["A", "B", "A", "A", "B", "C"]
    assert sorted(calls) == ["a", "b", "c"]


def test_once_shares_failures() -> None:
    calls = 0

    async def fail() -> str:
        nonlocal calls
        calls += 1
        raise ValueError("no")

    async def run() -> list[object]:
        once: Once[str] = Once()
        return await asyncio.gather(
            *(once.run("k", fail) for _ in range(3)), return_exceptions=True
        )

    results = asyncio.run(run())
    assert [type(r) for r in results] == [ValueError] * 3 and calls == 1


def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    async def slow() -> str:
        await asyncio.sleep(0.05)
        return "done"

    async def run() -> str:
        once: Once[str] = Once()
        impatient = asyncio.ensure_future(once.run("k", slow))
        patient = asyncio.ensure_future(once.run("k", slow))
        await asyncio.sleep(0.01)
        impatient.cancel()
        with pytest.raises(asyncio.CancelledError):
            await impatient
        return await patient

    assert asyncio.run(run()) == "done"


def test_cancel_stops_what_is_running() -> None:
    async def run() -> tuple[bool, bool]:
        once: Once[str] = Once()
        finished = asyncio.ensure_future(once.run("fast", lambda: asyncio.sleep(0, "x")))
        await finished
        waiting = asyncio.ensure_future(once.run("slow", lambda: asyncio.sleep(30, "y")))
        await asyncio.sleep(0.01)
        await once.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return finished.done(), waiting.cancelled()

    assert asyncio.run(run()) == (True, True)


def test_cancel_pending_ignores_finished_tasks() -> None:
    async def run() -> list[bool]:
        done = asyncio.ensure_future(asyncio.sleep(0))
        await done
        running = asyncio.ensure_future(asyncio.sleep(30))
        await cancel_pending([done, running])
        return [done.cancelled(), running.cancelled()]

    assert asyncio.run(run()) == [False, True]
