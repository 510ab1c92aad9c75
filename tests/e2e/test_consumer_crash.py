"""Kill the inventory process (SIGKILL, not a mock) in the middle of a stream of readings,
restart it, and check that the totals are exact: nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.supervisor import System
from tests.e2e.test_one_readings_journey import live, make_city, post_all, readings
from tests.helpers import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def test_killing_the_inventory_mid_stream_loses_and_doubles_nothing(system: System) -> None:
    rng = random.Random(11)
    city = f"e2e-crash-{uuid.uuid4().hex[:6]}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=40)
    inventory_proc = system.services["inventory"]
    async with (
        httpx.AsyncClient(base_url=system.url("sensors"), timeout=60) as sensors,
        httpx.AsyncClient(base_url=system.url("inventory"), timeout=30) as inventory,
    ):
        key, meter, counter = await make_city(sensors, inventory, city)
        items, expected = readings(meter, counter, 6000, start, rng)

        # Post in the background while the consumer works through them.
        poster = asyncio.create_task(post_all(sensors, key, items, batch=500))
        seen = await eventually(
            lambda: live(inventory, city),
            lambda t: t["readings"] >= 500,
            attempts=600,
            pause_s=0.02,
        )
        assert seen["readings"] >= 500
        inventory_proc.kill()
        accounted_before_kill = seen["readings"]

        answers = await poster  # the sensors service keeps accepting while inventory is down
        assert sum(a["accepted"] for a in answers) == 6000

        inventory_proc.start()
        await asyncio.to_thread(inventory_proc.wait_ready, 90)
        totals = await eventually(
            lambda: live(inventory, city),
            lambda t: t["readings"] >= 6000,
            attempts=900,
            pause_s=0.2,
        )
        assert accounted_before_kill < 6000, "the kill must land mid-stream"
        assert (totals["readings"], totals["co2e_mg"]) == (6000, expected)
        # Give a redelivery the chance to show up: a later reading on the same sensors arrives
        # after anything still in flight on their partitions.
        tail, tail_expected = readings(meter, counter, 2, start + timedelta(hours=30), rng)
        await post_all(sensors, key, tail)
        totals = await eventually(
            lambda: live(inventory, city), lambda t: t["readings"] >= 6002, attempts=600
        )
        assert (totals["readings"], totals["co2e_mg"]) == (6002, expected + tail_expected)
