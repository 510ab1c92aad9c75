"""A reading's whole journey over HTTP: gateway → sensors → Kafka → inventory → outbox → hub.

The services run as processes; figures are compared with what the test computes itself from the
same factor. Nothing is mocked."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.supervisor import System
from shared.auth import issue_token
from shared.events.catalogue import SENSORS_READINGS
from tests.helpers import eventually, register_city, register_gateway_with_sensors

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

GRID_G_PER_KWH = Decimal(15)  # NVE 2023, the newest year: it applies to readings of later years
CAR_G_PER_VKM = Decimal(112)
SEGMENT_KM = Decimal("1.5")


def mg(amount_g: Decimal) -> int:
    return int((amount_g * 1000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def admin() -> str:
    return issue_token("e2e", "admin")


async def make_city(
    sensors: httpx.AsyncClient, inventory: httpx.AsyncClient, city: str
) -> tuple[str, str, str]:
    await register_city(inventory, admin(), city)
    _gw, key, (meter, counter) = await register_gateway_with_sensors(
        sensors,
        admin(),
        city,
        [
            {
                "kind": "energy_meter",
                "gpc_reference": "I.2.2",
                "energy_carrier": "electricity",
                "bidding_zone": "NO1",
            },
            {
                "kind": "traffic_counter",
                "gpc_reference": "II.1.1",
                "road_segment_km": 1.5,
                "vehicle_class": "car",
            },
        ],
    )
    return key, meter, counter


def readings(
    meter: str, counter: str, n: int, start: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], int]:
    """``n`` readings alternating meter and counter, and the CO2e the test expects of them."""
    items: list[dict[str, Any]] = []
    expected = 0
    for i in range(n):
        t = (start + timedelta(seconds=17 * i)).isoformat()
        if i % 2 == 0:
            kwh = Decimal(str(round(rng.uniform(0.5, 80.0), 3)))
            items.append({"sensor_id": meter, "time": t, "value": float(kwh), "unit": "kWh"})
            expected += mg(kwh * GRID_G_PER_KWH)
        else:
            cars = rng.randint(0, 60)
            items.append({"sensor_id": counter, "time": t, "value": cars, "unit": "{vehicle}"})
            expected += mg(Decimal(cars) * SEGMENT_KM * CAR_G_PER_VKM)
    return items, expected


async def post_all(
    client: httpx.AsyncClient, key: str, items: Sequence[dict[str, Any]], batch: int = 250
) -> list[dict[str, Any]]:
    answers = []
    for i in range(0, len(items), batch):
        r = await client.post(
            "/v1/readings",
            json={"readings": list(items[i : i + batch])},
            headers={"X-Api-Key": key},
        )
        assert r.status_code in (202, 207), r.text[:500]
        answers.append(r.json())
    return answers


async def live(client: httpx.AsyncClient, city: str) -> dict[str, Any]:
    return (await client.get(f"/v1/cities/{city}/live")).json()


async def hub_city(client: httpx.AsyncClient, city: str) -> dict[str, Any]:
    r = await client.get(f"/v1/cities/{city}")
    return r.json() if r.status_code == 200 else {"co2e_mg": None, "status": r.status_code}


async def test_a_thousand_readings_for_two_cities_are_accounted_exactly_once(
    system: System,
) -> None:
    rng = random.Random(7)
    run = uuid.uuid4().hex[:6]
    cities = [f"e2e-oslo-{run}", f"e2e-bergen-{run}"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    async with (
        httpx.AsyncClient(base_url=system.url("sensors"), timeout=30) as sensors,
        httpx.AsyncClient(base_url=system.url("inventory"), timeout=30) as inventory,
        httpx.AsyncClient(base_url=system.url("hub"), timeout=30) as hub,
    ):
        expected: dict[str, int] = {}
        batches: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
        for city in cities:
            key, meter, counter = await make_city(sensors, inventory, city)
            items, expected[city] = readings(meter, counter, 500, start, rng)
            batches[city] = (key, meter, items)
            answers = await post_all(sensors, key, items)
            assert sum(a["accepted"] for a in answers) == 500

        for city in cities:
            totals = await eventually(
                lambda c=city: live(inventory, c), lambda t: t["readings"] >= 500, attempts=600
            )
            assert (totals["readings"], totals["co2e_mg"]) == (500, expected[city])
            shown = await eventually(
                lambda c=city: hub_city(hub, c),
                lambda h, c=city: h["co2e_mg"] == expected[c],
                attempts=600,
            )
            assert shown["co2e_mg"] == expected[city]
            assert shown["readings_accounted"] == 500
            page = (await hub.get(f"/cities/{city}")).text
            assert f'data-co2e-mg="{expected[city]}"' in page

        # The same batches again: every item is a duplicate and no total moves.
        for city in cities:
            key, _meter, items = batches[city]
            answers = await post_all(sensors, key, items)
            assert sum(a["duplicates"] for a in answers) == 500
            assert sum(a["accepted"] for a in answers) == 0

        # A replay straight onto the topic (as after a producer retry or a topic re-drive)
        # must not count either: re-publish the accepted events, then a sentinel reading on the
        # same sensor (same key, same partition, so it is consumed after the replay).
        city = cities[0]
        key, meter, items = batches[city]
        await replay_accepted(system, sensors, city)
        sentinel_t = (start + timedelta(hours=1, seconds=1)).isoformat()
        r = await sensors.post(
            "/v1/readings",
            headers={"X-Api-Key": key},
            json={
                "readings": [{"sensor_id": meter, "time": sentinel_t, "value": 10.0, "unit": "kWh"}]
            },
        )
        assert r.status_code == 202
        sentinel_mg = mg(Decimal(10) * GRID_G_PER_KWH)
        totals = await eventually(
            lambda: live(inventory, city), lambda t: t["readings"] >= 501, attempts=600
        )
        assert (totals["readings"], totals["co2e_mg"]) == (501, expected[city] + sentinel_mg)
        assert (await live(inventory, cities[1]))["co2e_mg"] == expected[cities[1]]
        shown = await eventually(
            lambda: hub_city(hub, city), lambda h: h["co2e_mg"] == expected[city] + sentinel_mg
        )
        assert shown["co2e_mg"] == expected[city] + sentinel_mg


async def replay_accepted(system: System, sensors: httpx.AsyncClient, city: str) -> None:
    """Read this city's accepted readings back from the topic and publish them once more."""
    from aiokafka import AIOKafkaConsumer

    bootstrap = system.env["KAFKA_BOOTSTRAP_SERVERS"]
    consumer = AIOKafkaConsumer(
        SENSORS_READINGS,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: list[tuple[bytes | None, bytes]] = []
    try:
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            if not batch and found:
                break
            for records in batch.values():
                for rec in records:
                    if json.loads(rec.value)["data"]["city"] == city:
                        found.append((rec.key, rec.value))
    finally:
        await consumer.stop()
    assert len(found) == 500
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await asyncio.gather(
            *[await producer.send(SENSORS_READINGS, value=v, key=k) for k, v in found]
        )
    finally:
        await producer.stop()
