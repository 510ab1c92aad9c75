"""A long-running asyncio task owned by a component and stopped with it (relay, consumers), and
long batches worked through in turns with the other tasks of the event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundTask:
    """Start once in the lifespan, stop at shutdown; cancelling is the normal way to stop."""

    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        raise NotImplementedError

    def _start(self, body: Coroutine[Any, Any, None], name: str) -> None:
        self._task = asyncio.create_task(body, name=name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


TURN = 1000
"""Items of a batch worked through between two turns of the event loop (``in_turns``)."""


async def in_turns(items: Sequence[T], size: int = TURN) -> AsyncIterator[Sequence[T]]:
    """``items`` in slices of ``size``, handing the event loop a turn between two slices.

    The inventory's accounting lanes share one event loop: while one lane works through a
    fetch of 4,000 readings in Python (some 60 ms without an ``await``), the database's
    answers to the other lanes wait unread, and a lane that has already written its buckets
    holds their row locks all that while, so the next lane's bucket upsert waits for it in
    turn (sampled ``pg_stat_activity`` during a backlog: ``Lock transactionid`` on
    ``emission_buckets``, and the backends mostly ``idle in transaction``). A turn every
    1,000 readings answers them within a few milliseconds (docs/performance.md)."""
    for start in range(0, len(items), size):
        if start:
            await asyncio.sleep(0)
        yield items[start : start + size]
