"""A long batch worked through in turns with the other tasks of the event loop."""

from __future__ import annotations

import asyncio

from shared.tasks import in_turns


async def test_slices_cover_the_items_in_order_and_others_run_between_them() -> None:
    seen: list[str] = []

    async def other() -> None:
        for _ in range(3):
            seen.append("other")
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    slices = []
    async for chunk in in_turns(list(range(25)), size=10):
        seen.append(f"slice {len(slices)}")
        slices.append(list(chunk))
    await task
    assert slices == [list(range(10)), list(range(10, 20)), list(range(20, 25))]
    # The other task ran between the slices, not only after the last one.
    assert seen.index("other") < seen.index("slice 2")


async def test_an_empty_batch_has_no_slices() -> None:
    assert [chunk async for chunk in in_turns([])] == []
