"""Shared asyncio tasks: one computation per key, and stopping the ones still running."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


async def cancel_pending(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel the tasks not done yet and wait for them (the run's deadline passed)."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


class Once(Generic[V]):
    """In-flight de-duplication: one task per key for the whole run; callers share its result."""

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[V]] = {}

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(compute())
            self._tasks[key] = task
        # shield: one caller hitting the deadline must not cancel the others' answer.
        return await asyncio.shield(task)

    async def cancel(self) -> None:
        await cancel_pending(self._tasks.values())
