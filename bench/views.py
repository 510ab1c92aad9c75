"""Live-view latency on a database holding many accounted readings.

Seeds a fresh PostgreSQL database with ``--readings`` accounted readings of one city (spread
over this year's hours and five GPC cells), each with its one part, with ``COPY``, builds the
hourly, monthly and per-gas roll-ups from them with one ``INSERT … SELECT`` each (so readings
and roll-ups agree, as the consumer keeps them), then starts the inventory as a real uvicorn process and times its live
views over HTTP, one request at a time: year-to-date, the GPC view, the territorial view and
the newest hourly buckets. Not a test: it prints figures.

    .venv/bin/python bench/views.py --readings 10000000 [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.cli import migrate_services, seed_services  # noqa: E402
from services.supervisor import ServiceProcess  # noqa: E402
from shared.broker import free_port, start_broker  # noqa: E402

PG_ADMIN_DSN = os.environ.get(
    "KLIMABY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CITY = "oslo"
# (GPC cell, scope, activity, unit, factor id, gas, mg per reading): the mix of a city's sensors.
CELLS = [
    ("I.1.2", 2, "electricity", "kWh", "no-grid-location", "CO2e", 15_000),
    ("I.2.2", 2, "electricity", "kWh", "no-grid-location", "CO2e", 22_500),
    ("I.1.1", 1, "heating_oil", "kWh", "ssb-heating-oil", "CO2", 264_500),
    ("II.1.1", 1, "vehicle_km", "km", "ssb-road-car", "CO2", 168_000),
    ("I.2.1", 1, "natural_gas", "kWh", "ssb-natural-gas", "CO2", 201_800),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _columns(conn: asyncpg.Connection, table: str) -> list[str]:
    return [
        r["column_name"]
        for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'inventory' AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
    ]


async def _copy(
    conn: asyncpg.Connection, table: str, n: int, values: Callable[[int], dict[str, str]]
) -> None:
    """COPY ``n`` rows into ``table``, its secondary indexes dropped and built once after."""
    columns = await _columns(conn, table)
    unknown = [c for c in columns if c not in values(0)]
    if unknown:
        print(f"   {table}: columns this seeder does not know are left NULL: {unknown}")

    async def lines() -> AsyncIterator[bytes]:
        chunk: list[str] = []
        for i in range(n):
            v = values(i)
            chunk.append("\t".join(v.get(c, "\\N") for c in columns))
            if len(chunk) == 20_000:
                yield ("\n".join(chunk) + "\n").encode()
                chunk = []
        if chunk:
            yield ("\n".join(chunk) + "\n").encode()

    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'inventory' "
        "AND tablename = $1 AND indexname NOT LIKE '%pkey'",
        table,
    )
    # A bulk load builds secondary indexes once at the end, identical to the migrations'.
    for ix in indexes:
        await conn.execute(f'DROP INDEX inventory."{ix["indexname"]}"')
    await conn.copy_to_table(table, schema_name="inventory", source=lines(), columns=columns)
    for ix in indexes:
        await conn.execute(ix["indexdef"])


async def seed(conn: asyncpg.Connection, n: int) -> float:
    """COPY ``n`` accounted readings and their parts (one each: point readings), as the
    consumer writes them; returns the seconds it took (roll-ups included)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    year_start = datetime(now.year, 1, 1, tzinfo=UTC)
    hours = int((now - year_start).total_seconds() // 3600)
    accounted_at = now.isoformat()
    tz = await conn.fetchval("SELECT time_zone FROM inventory.cities WHERE slug = $1", CITY)
    tz = tz or "Europe/Oslo"

    def common(i: int) -> dict[str, str]:
        ref, scope, activity, unit, factor, gas, co2e = CELLS[i % len(CELLS)]
        hour = year_start + timedelta(hours=(i // len(CELLS)) % hours)
        return {
            "reading_id": f"{i:08x}-0000-5000-8000-{i:012x}",
            "city": CITY,
            "gpc_reference": ref,
            "scope": str(scope),
            "hour": hour.isoformat(),
            "activity": activity,
            "activity_value": "1.000000000",
            "activity_unit": unit,
            "factor_id": factor,
            "factor_version": "1",
            "factor_year": "2023",
            "factor_source": "bench",
            "gwp_set": "AR5",
            "gas": gas,
            "co2e_mg": str(co2e),
            "status": "accounted",
            "bidding_zone": "NO1",
            "recalculated_at": "\\N",
        }

    def reading(i: int) -> dict[str, str]:
        v = common(i)
        observed = (datetime.fromisoformat(v["hour"]) + timedelta(minutes=i % 60)).isoformat()
        v.update(
            sensor_id=f"gw_bench.s{i % 500}",
            observed_at=observed,
            interval_end="\\N",
            accounted_at=accounted_at,
        )
        return v

    def part(i: int) -> dict[str, str]:
        v = common(i)
        observed = (datetime.fromisoformat(v["hour"]) + timedelta(minutes=i % 60)).isoformat()
        v.update(part="0", part_start=observed, part_end=observed, local_year=str(now.year))
        return v

    started = time.perf_counter()
    await _copy(conn, "accounted_readings", n, reading)
    await _copy(conn, "accounted_reading_parts", n, part)
    copied = time.perf_counter() - started
    local_month = "date_trunc('month', hour AT TIME ZONE $1) AT TIME ZONE $1"
    await conn.execute(
        "INSERT INTO inventory.emission_buckets (city, gpc_reference, scope, hour, readings, "
        "co2e_mg, updated_at) SELECT city, gpc_reference, scope, hour, count(*), sum(co2e_mg), "
        "now() FROM inventory.accounted_readings GROUP BY 1, 2, 3, 4"
    )
    await conn.execute(
        "INSERT INTO inventory.emission_months (city, gpc_reference, scope, month, readings, "
        f"co2e_mg, updated_at) SELECT city, gpc_reference, scope, {local_month}, sum(readings), "
        "sum(co2e_mg), now() FROM inventory.emission_buckets GROUP BY 1, 2, 3, 4",
        tz,
    )
    tables = ["accounted_readings", "accounted_reading_parts", "emission_buckets"]
    tables.append("emission_months")
    if "emission_gas_months" in {
        r["table_name"]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'inventory'"
        )
    }:
        # The roll-up per local month and gas, as the accounting keeps it (from the parts).
        await conn.execute(
            "INSERT INTO inventory.emission_gas_months (city, month, gas, parts, co2e_mg, "
            f"updated_at) SELECT city, {local_month}, coalesce(gas, 'CO2e'), count(*), "
            "sum(co2e_mg), now() "
            "FROM inventory.accounted_reading_parts WHERE co2e_mg IS NOT NULL "
            "GROUP BY 1, 2, 3",
            tz,
        )
        tables.append("emission_gas_months")
    for table in tables:
        await conn.execute(f"ANALYZE inventory.{table}")
    total = time.perf_counter() - started
    print(
        f"seeded:    {n:,} readings and their parts by COPY in {copied:.1f} s; "
        f"indexes and roll-ups: {total:.1f} s in all"
    )
    return total


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="klimaby-views-bench-"))
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = start_broker(log_file=workdir / "broker.log")
        bootstrap = broker.bootstrap_servers
    name = f"klimaby_views_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KLIMABY_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
        "KLIMABY_ENVIRONMENT": "test",
        "KLIMABY_AUTH_SECRET": "bench-" + uuid.uuid4().hex,
        "KLIMABY_LOG_LEVEL": "WARNING",
    }
    saved = dict(os.environ)
    os.environ.update(env)
    service = None
    try:
        await migrate_services(["inventory"])
        await seed_services(["inventory"], demo=False)
        conn = await asyncpg.connect(dsn)
        try:
            await seed(conn, args.readings)
            rows = await conn.fetchval("SELECT count(*) FROM inventory.emission_buckets")
            size = await conn.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('inventory.accounted_readings'))"
            )
        finally:
            await conn.close()
        print(f"roll-ups:  {rows:,} hourly buckets; accounted_readings takes {size}")
        port = free_port()
        service = ServiceProcess(
            "inventory", port, {**env, "INVENTORY_PORT": str(port)}, workdir / "inventory.log"
        )
        service.start()
        await asyncio.to_thread(service.wait_ready, 90)
        year = datetime.now(UTC).year
        views = {
            "year-to-date": f"/v1/cities/{CITY}/live/year-to-date?year={year}",
            "GPC view": f"/v1/cities/{CITY}/live/views/gpc?year={year}",
            "territorial view": f"/v1/cities/{CITY}/live/views/territorial?year={year}",
            "hourly (newest 100)": f"/v1/cities/{CITY}/live/hourly?limit=100",
        }
        print(
            f"requests:  up to {args.requests} per view (or {args.budget:.0f} s), one at a time, "
            "after 5 warm-up requests"
        )
        async with httpx.AsyncClient(base_url=service.url, timeout=120) as client:
            for label, path in views.items():
                for _ in range(5):
                    (await client.get(path)).raise_for_status()
                times: list[float] = []
                budget = time.perf_counter() + args.budget
                while len(times) < args.requests and (
                    len(times) < 10 or time.perf_counter() < budget
                ):
                    t0 = time.perf_counter()
                    r = await client.get(path)
                    times.append(time.perf_counter() - t0)
                    r.raise_for_status()
                print(
                    f"{label:<22} p50 {pct(times, 0.5) * 1000:8.1f} ms   "
                    f"p99 {pct(times, 0.99) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"
                    f"   ({len(times)} requests)"
                )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if service:
            service.stop()
        if broker:
            broker.stop()
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="per view, at most")
    parser.add_argument(
        "--budget", type=float, default=30, help="seconds per view (at least 10 requests)"
    )
    asyncio.run(main(parser.parse_args()))
