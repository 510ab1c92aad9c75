"""Two inventory replicas in one consumer group (real processes, real broker, PostgreSQL) share
the readings' partitions; one is killed (SIGKILL) mid-stream, the other takes its partitions
over, and every reading is still counted exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka.partitioner import DefaultPartitioner

from services.registry import SERVICE_NAMES
from services.supervisor import System
from shared.broker import free_port
from shared.events.catalogue import SENSORS_READINGS
from tests.e2e.test_one_readings_journey import GRID_G_PER_KWH, admin, live, mg, post_all
from tests.helpers import (
    eventually,
    prepare_services,
    register_city,
    register_gateway_with_sensors,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

METERS = 12
PARTITIONS = int(os.environ.get("KLIMABY_TOPIC_PARTITIONS", "4"))


@pytest.fixture(scope="module")
def replicated(
    broker: str, pg_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[System, str]]:
    run = uuid.uuid4().hex[:8]
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "KLIMABY_DATABASE_URL": pg_database,
        "KLIMABY_LOG_JSON": "true",
        "KLIMABY_LOG_LEVEL": "INFO",
    }
    for name in SERVICE_NAMES:
        env[f"{name.upper()}_DATABASE_SCHEMA"] = f"e2e_{run}_{name}"
        env[f"{name.upper()}_CONSUMER_GROUP"] = f"e2e-{run}-{name}"
    prepare_services(list(SERVICE_NAMES), dict(env), demo=False)
    log_dir: Path = tmp_path_factory.mktemp("replica-logs")
    system = System(
        env=env,
        ports={n: free_port() for n in SERVICE_NAMES},
        log_dir=log_dir,
        replicas={"inventory": 2},
    )
    try:
        system.start(timeout_s=90)
        yield system, f"e2e_{run}_inventory"
    finally:
        system.stop()
        for log in sorted(log_dir.glob("*.log")):
            print(f"--- {log.name} (tail) ---\n" + "\n".join(log.read_text().splitlines()[-30:]))


def assignment(system: System, key: str) -> set[int]:
    """The replica's current partitions of the readings topic, from its last 'partitions
    assigned' log line (aiokafka's eager rebalance assigns the whole set each time)."""
    log_path = system.services[key].log_path
    assert log_path is not None
    current: set[int] = set()
    for line in log_path.read_text().splitlines():
        if '"partitions assigned"' not in line:
            continue
        entry = json.loads(line)
        if "accounting" in entry.get("group", ""):
            current = {
                int(p.rsplit(":", 1)[1])
                for p in entry["partitions"]
                if p.startswith(SENSORS_READINGS + ":")
            }
    return current


def partition_of(sensor_id: str) -> int:
    """The partition the producer's default partitioner gives a sensor's readings."""
    partitions = list(range(PARTITIONS))
    return int(DefaultPartitioner()(sensor_id.encode(), partitions, partitions))


async def accounted_per_sensor(pg_url: str, schema: str) -> dict[str, int]:
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            f'SELECT sensor_id, count(*) AS n FROM "{schema}".accounted_readings GROUP BY 1'
        )
    finally:
        await conn.close()
    return {r["sensor_id"]: int(r["n"]) for r in rows}


def meter_readings(
    meters: list[str], n: int, start: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], int]:
    items, expected = [], 0
    for i in range(n):
        kwh = Decimal(str(round(rng.uniform(0.5, 80.0), 3)))
        at = (start + timedelta(seconds=7 * i)).isoformat()
        items.append(
            {"sensor_id": meters[i % len(meters)], "time": at, "value": float(kwh), "unit": "kWh"}
        )
        expected += mg(kwh * GRID_G_PER_KWH)
    return items, expected


async def test_two_replicas_share_the_partitions_and_a_killed_one_loses_and_doubles_nothing(
    replicated: tuple[System, str], pg_database: str
) -> None:
    system, schema = replicated
    rng = random.Random(23)
    city = f"e2e-replicas-{uuid.uuid4().hex[:6]}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
    first, second = system.services["inventory"], system.services["inventory-2"]

    # Both replicas hold partitions of the readings topic, none twice, all of them together.
    async def both() -> tuple[set[int], set[int]]:
        return assignment(system, "inventory"), assignment(system, "inventory-2")

    await eventually(
        both,
        lambda a: bool(a[0]) and bool(a[1]) and a[0] | a[1] == set(range(PARTITIONS)),
        attempts=300,
        pause_s=0.2,
    )
    held_first, held_second = assignment(system, "inventory"), assignment(system, "inventory-2")
    assert held_first and held_second, (held_first, held_second)
    assert not held_first & held_second
    assert held_first | held_second == set(range(PARTITIONS))

    async with (
        httpx.AsyncClient(base_url=system.url("sensors"), timeout=60) as sensors,
        httpx.AsyncClient(base_url=system.url("inventory"), timeout=30) as inventory,
    ):
        spec = {
            "kind": "energy_meter",
            "gpc_reference": "I.2.2",
            "energy_carrier": "electricity",
            "bidding_zone": "NO1",
        }
        await register_city(inventory, admin(), city)  # the inventory owns cities
        _gw, key, meters = await register_gateway_with_sensors(
            sensors, admin(), city, [dict(spec) for _ in range(METERS)]
        )
        on_second = [m for m in meters if partition_of(m) in held_second]
        on_first = [m for m in meters if partition_of(m) in held_first]
        # The kill must hit a replica that has readings to account, and the other must too.
        assert on_first and on_second, (held_first, held_second, [partition_of(m) for m in meters])

        items, expected = meter_readings(meters, 6000, start, rng)
        poster = asyncio.create_task(post_all(sensors, key, items, batch=500))
        before = await eventually(
            lambda: accounted_per_sensor(pg_database, schema),
            lambda per: (
                sum(per.get(m, 0) for m in on_second) >= 300
                and sum(per.get(m, 0) for m in on_first) >= 300
            ),
            attempts=600,
            pause_s=0.05,
        )
        # Each replica accounted readings of its own partitions before the kill.
        assert sum(before.get(m, 0) for m in on_second) >= 300, before
        assert sum(before.get(m, 0) for m in on_first) >= 300, before
        second.kill()

        answers = await poster
        assert sum(a["accepted"] for a in answers) == 6000
        totals = await eventually(
            lambda: live(inventory, city),
            lambda t: t["readings"] >= 6000,
            attempts=900,
            pause_s=0.2,
        )
        # (The group reads the topic from its beginning: other tests' cities count there too.)
        assert sum(before.get(m, 0) for m in meters) < 6000, "the kill must land mid-stream"
        assert (totals["readings"], totals["co2e_mg"]) == (6000, expected)
        # The survivor took the dead replica's partitions over.
        assert assignment(system, "inventory") == set(range(PARTITIONS))
        assert first.process is not None and first.process.poll() is None

        # A later reading on every sensor arrives after anything still in flight on their
        # partitions: a redelivery of the killed replica's last batch would show here.
        tail, tail_expected = meter_readings(meters, METERS, start + timedelta(hours=20), rng)
        await post_all(sensors, key, tail)
        totals = await eventually(
            lambda: live(inventory, city),
            lambda t: t["readings"] >= 6000 + METERS,
            attempts=600,
        )
        assert (totals["readings"], totals["co2e_mg"]) == (6000 + METERS, expected + tail_expected)
        per_sensor = await accounted_per_sensor(pg_database, schema)
        assert sum(per_sensor.get(m, 0) for m in meters) == 6000 + METERS
