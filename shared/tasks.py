"""A long-running asyncio task owned by a component and stopped with it (relay, consumers)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


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
