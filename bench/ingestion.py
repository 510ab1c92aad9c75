"""Ingestion benchmark: readings/s accepted by ``POST /v1/readings`` in 5,000-reading batches,
side by side with the raw aiokafka produce rate of the same events, in one run, on this machine.

The sensors service runs as a real uvicorn process (what ``klimaby run`` starts) on a real
broker (an embedded Tansu, or KAFKA_BOOTSTRAP_SERVERS) and a real database (SQLite, or a fresh
PostgreSQL database with ``--database postgres``). Not a test: it prints figures.

    .venv/bin/python bench/ingestion.py [--database sqlite|postgres] [--batches 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.cli import migrate_services  # noqa: E402
from services.sensors.readings.events import SOURCE  # noqa: E402
from services.sensors.readings.publisher import HEADERS  # noqa: E402
from services.sensors.readings.service import READING_NAMESPACE  # noqa: E402
from services.supervisor import ServiceProcess  # noqa: E402
from shared.auth import issue_token  # noqa: E402
from shared.broker import free_port, start_broker  # noqa: E402
from shared.events.catalogue import SENSORS_READINGS  # noqa: E402
from shared.events.envelope import encode_event, new_event  # noqa: E402
from shared.events.payloads import AccountingParameters, ReadingAccepted  # noqa: E402
from shared.messaging.kafka import ensure_topics, make_producer  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402

BATCH = 5000
SENSORS = 50
PG_ADMIN_DSN = os.environ.get(
    "KLIMABY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Figures:
    readings: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.readings / self.seconds


def batches_of(sensor_ids: list[str], count: int, start: datetime) -> list[list[dict[str, Any]]]:
    """``count`` batches of distinct readings (one a minute per sensor, spread over sensors)."""
    out = []
    n = 0
    for _ in range(count):
        batch = []
        for _ in range(BATCH):
            sensor = sensor_ids[n % len(sensor_ids)]
            at = start + timedelta(minutes=n // len(sensor_ids))
            batch.append(
                {"sensor_id": sensor, "time": at.isoformat(), "value": 1.25 + n % 7, "unit": "kWh"}
            )
            n += 1
        out.append(batch)
    return out


async def register(client: httpx.AsyncClient, token: str) -> tuple[str, list[str]]:
    auth = {"Authorization": f"Bearer {token}"}
    r = await client.post("/v1/gateways", json={"city": "bench", "name": "bench"}, headers=auth)
    r.raise_for_status()
    gateway = r.json()
    ids = []
    for i in range(SENSORS):
        r = await client.post(
            f"/v1/gateways/{gateway['id']}/sensors",
            json={"external_id": f"m{i}", "kind": "energy_meter", "gpc_reference": "I.1.2"},
            headers=auth,
        )
        r.raise_for_status()
        ids.append(r.json()["id"])
    return gateway["api_key"], ids


async def post_all(
    client: httpx.AsyncClient, key: str, batches: list[list[dict[str, Any]]], concurrency: int
) -> Figures:
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        while not queue.empty():
            batch = queue.get_nowait()
            r = await client.post(
                "/v1/readings", json={"readings": batch}, headers={"X-Api-Key": key}
            )
            if r.status_code != 202:
                raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
            accepted += r.json()["accepted"]

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(accepted, time.perf_counter() - started)


def events_of(batch: list[dict[str, Any]], gateway: str) -> list[tuple[bytes, bytes]]:
    """The CloudEvents the service publishes for these readings (key, value)."""
    now = datetime.now(UTC)
    out = []
    for item in batch:
        at = datetime.fromisoformat(item["time"])
        rid = uuid.uuid5(READING_NAMESPACE, f"raw|{item['sensor_id']}|{item['time']}")
        payload = ReadingAccepted(
            reading_id=rid,
            sensor_id=item["sensor_id"],
            gateway_id=gateway,
            city="bench",
            kind="energy_meter",
            quantity="energy",
            value=item["value"],
            unit="kWh",
            time=at,
            gpc_reference="I.1.2",
            accounting=AccountingParameters(energy_carrier="electricity"),
            received_at=now,
        )
        event = new_event(payload, source=SOURCE, subject=payload.sensor_id, event_id=str(rid))
        out.append((payload.sensor_id.encode(), encode_event(event)))
    return out


async def produce_all(bootstrap: str, batches: list[list[tuple[bytes, bytes]]]) -> Figures:
    """aiokafka alone, configured as the service's producer: each batch sent, then all its
    acknowledgements awaited (the same guarantee the endpoint gives before it answers)."""
    producer = make_producer(bootstrap, "bench-raw")
    await producer.start()
    try:
        started = time.perf_counter()
        sent = 0
        for batch in batches:
            futures = [
                await producer.send(SENSORS_READINGS, value=v, key=k, headers=HEADERS)
                for k, v in batch
            ]
            await asyncio.gather(*futures)
            sent += len(batch)
        return Figures(sent, time.perf_counter() - started)
    finally:
        await producer.stop()


async def pg_database() -> tuple[str, str]:
    name = f"klimaby_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def drop_pg(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="klimaby-bench-"))
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = start_broker(log_file=workdir / "broker.log")
        bootstrap = broker.bootstrap_servers
    pg_name = None
    if args.database == "postgres":
        pg_name, url = await pg_database()
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'sensors.db'}"
    secret = "bench-" + uuid.uuid4().hex
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SENSORS_DATABASE_URL": url,
        "KLIMABY_AUTH_SECRET": secret,
        # The run's own built-in issuer keys: the sensors process verifies with them.
        "KLIMABY_BUILTIN_KEYS_FILE": str(workdir / "oidc-signing-keys.json"),
        "KLIMABY_ENVIRONMENT": "test",
        "KLIMABY_LOG_LEVEL": "WARNING",
        "SENSORS_RATE_LIMIT_REQUESTS_PER_MINUTE": "0",
        "SENSORS_RATE_LIMIT_READINGS_PER_MINUTE": "0",
        "SENSORS_MQTT_ENABLED": "false",
        "SENSORS_OUTBOX_RELAY_ENABLED": "true",
    }
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        await migrate_services(["sensors"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    await ensure_topics(bootstrap, int(os.environ.get("KLIMABY_TOPIC_PARTITIONS", "6")))
    port = free_port()
    service = ServiceProcess(
        "sensors", port, {**env, "SENSORS_PORT": str(port)}, workdir / "sensors.log"
    )
    service.start()
    try:
        await asyncio.to_thread(service.wait_ready, 60)
        token = issue_token(
            "bench",
            "admin",
            settings=ServiceSettings(
                auth_secret=secret,
                environment="test",
                builtin_keys_file=workdir / "oidc-signing-keys.json",
            ),
        )
        async with httpx.AsyncClient(base_url=service.url, timeout=300) as client:
            key, sensor_ids = await register(client, token)
            start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=300)
            warmup, *measured = batches_of(sensor_ids, args.batches + 1, start)
            await post_all(client, key, [warmup], 1)
            http = await post_all(client, key, measured, args.concurrency)
        raw_batches = [events_of(b, "gw_bench") for b in measured]
        raw = await produce_all(bootstrap, raw_batches)
    finally:
        service.stop()
        if broker:
            broker.stop()
        if pg_name:
            await drop_pg(pg_name)

    backend = "PostgreSQL" if args.database == "postgres" else "SQLite"
    print(
        f"machine:   {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )
    print(f"database:  {backend} ({url.split('@')[-1]})")
    print(f"broker:    {'embedded Tansu' if broker else bootstrap} at {bootstrap}")
    print(
        f"batches:   {len(measured)} x {BATCH} readings, {args.concurrency} client(s), 1 uvicorn worker"
    )
    print(
        f"POST /v1/readings (202, acked):   {http.per_second:>10,.0f} readings/s  ({http.readings} in {http.seconds:.2f} s)"
    )
    print(
        f"raw aiokafka produce (acked):     {raw.per_second:>10,.0f} readings/s  ({raw.readings} in {raw.seconds:.2f} s)"
    )
    print(f"ratio HTTP / raw produce:         {http.per_second / raw.per_second:>10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batches", type=int, default=20, help="measured batches of 5,000")
    parser.add_argument("--concurrency", type=int, default=1, help="clients posting at once")
    asyncio.run(main(parser.parse_args()))
