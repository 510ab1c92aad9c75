"""The inventory's readings consumer alone, in this process: the CPU it takes per reading.

No broker, no HTTP: records built exactly as the sensors service writes them
(``AcceptedEvents``) are handed to ``IdempotentConsumer.apply_many`` in fetches of
``--fetch`` records over 6 partitions, as ``getmany`` would hand them, on a fresh PostgreSQL
database migrated and seeded like a deployment's. It prints the CPU of this process and of
the PostgreSQL backend per reading, for new readings and for a replay of the same records
(every reading a duplicate), then checks that every reading was accounted exactly once.

    .venv/bin/python bench/inventory_consumer.py [--readings 50000] [--fetch 2000]
    .venv/bin/python bench/inventory_consumer.py --profile var/consumer.prof   # cProfile
    .venv/bin/python bench/inventory_consumer.py --statements   # PostgreSQL CPU per statement

``bench/e2e.py`` is the end-to-end figure; this one isolates the consumer path so a change to
it can be measured in seconds, with less noise from the other processes on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiokafka import TopicPartition  # noqa: E402
from aiokafka.partitioner import DefaultPartitioner  # noqa: E402
from aiokafka.structs import ConsumerRecord  # noqa: E402
from sqlalchemy import text  # noqa: E402

from services.cli import migrate_services, seed_services  # noqa: E402
from services.sensors.readings.events import AcceptedEvents, Candidate, SensorFacts  # noqa: E402
from shared.events.catalogue import SENSORS_READINGS  # noqa: E402

PG_ADMIN_DSN = os.environ.get(
    "KLIMABY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def on_cpu_ns(pid: int) -> int:
    """The process's time on a CPU so far, in ns (schedstat: exact, not in clock ticks)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def backends_cpu(pids: set[int]) -> dict[int, float]:
    """CPU so far of the PostgreSQL backends (that still run) serving this process."""
    return {pid: cpu_of(pid) for pid in pids if Path(f"/proc/{pid}").exists()}


class StatementCosts:
    """The PostgreSQL backend's CPU per kind of statement (``--statements``): each asyncpg call
    reads its backend's ``/proc/<pid>/schedstat`` (CPU in ns) before and after. The calls are
    serial, so the difference is that statement's own work (its parse, plan, execution and, for
    COMMIT, the WAL flush); this process's CPU over the call (encoding, decoding) is kept too."""

    METHODS = ("execute", "fetch", "fetchrow", "fetchval", "executemany", "copy_records_to_table")

    def __init__(self) -> None:
        self.costs: dict[str, list[int]] = {}
        self.recording = False
        self._busy: set[int] = set()

    def install(self) -> None:
        from asyncpg.connection import Connection
        from asyncpg.prepared_stmt import PreparedStatement

        for name in self.METHODS:
            setattr(Connection, name, self._wrap(getattr(Connection, name), lambda c: c))
        for name in ("fetch", "fetchrow", "fetchval"):
            setattr(
                PreparedStatement,
                name,
                self._wrap(getattr(PreparedStatement, name), lambda s: s._connection, True),
            )

    def _wrap(self, method: Any, connection_of: Any, prepared: bool = False) -> Any:
        costs = self

        async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            conn = connection_of(self)
            if not costs.recording or id(conn) in costs._busy:
                return await method(self, *args, **kwargs)
            if prepared:
                sql = self.get_query()
            elif method.__name__ == "copy_records_to_table":
                sql = f"COPY {args[0]}"
            else:
                sql = args[0]
            pid = conn.get_server_pid()
            costs._busy.add(id(conn))
            try:
                backend0, own0 = on_cpu_ns(pid), time.thread_time_ns()
                result = await method(self, *args, **kwargs)
                backend, own = on_cpu_ns(pid), time.thread_time_ns()
            finally:
                costs._busy.discard(id(conn))
            entry = costs.costs.setdefault(" ".join(sql.split())[:110], [0, 0, 0])
            entry[0] += 1
            entry[1] += backend - backend0
            entry[2] += own - own0
            return result

        return timed

    def report(self, readings: int) -> None:
        total = sum(backend for _n, backend, _own in self.costs.values())
        print(
            f"PostgreSQL backend CPU per statement (new readings), {total / readings / 1e3:.1f}"
            " µs/reading in all:"
        )
        print("   calls  backend µs/reading  client µs/reading  statement")
        for sql, (n, backend, own) in sorted(self.costs.items(), key=lambda kv: -kv[1][1]):
            print(f"{n:8,d} {backend / readings / 1e3:18.2f} {own / readings / 1e3:18.2f}  {sql}")


def make_records(n: int, partitions: int, sensors: int) -> list[ConsumerRecord[bytes, bytes]]:
    """``n`` readings of ``sensors`` electricity meters in Oslo, one a minute per sensor, as
    the sensors service serialises them, spread over the partitions by sensor id."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    facts = [
        SensorFacts(
            id=f"gw-bench.m{i}",
            gateway_id="gw-bench",
            city="oslo",
            kind="energy_meter",
            quantity="energy",
            unit="kWh",
            value_type="interval",
            status="active",
            plausible_min=None,
            plausible_max=None,
            gpc_reference="I.1.2",
            energy_carrier="electricity",
            bidding_zone="NO1",
            road_segment_km=None,
            vehicle_class=None,
        )
        for i in range(sensors)
    ]
    partitioner = DefaultPartitioner()
    all_partitions = list(range(partitions))
    events = AcceptedEvents("gw-bench", datetime.now(UTC))
    offsets = [0] * partitions
    records = []
    for k in range(n):
        sensor = facts[k % sensors]
        candidate = Candidate(
            index=k,
            reading_id=str(uuid.uuid4()),
            sensor=sensor,
            value=1.25 + k % 7,
            start=start + timedelta(minutes=k // sensors),
        )
        key, value = events.record(candidate)
        p = partitioner(key, all_partitions, all_partitions)
        records.append(
            ConsumerRecord(
                SENSORS_READINGS, p, offsets[p], 0, 0, key, value, None, len(key), len(value), []
            )
        )
        offsets[p] += 1
    return records


def fetches(records: list[ConsumerRecord[bytes, bytes]], size: int) -> list[dict[Any, Any]]:
    """The records in fetches of ``size``, each grouped by partition in offset order."""
    out = []
    for i in range(0, len(records), size):
        batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for r in records[i : i + size]:
            batch.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        out.append(batch)
    return out


async def run(args: argparse.Namespace) -> None:
    pg_name = f"klimaby_consumer_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{pg_name}"')
    await admin.close()
    dsn = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{pg_name}"
    os.environ["KLIMABY_DATABASE_URL"] = dsn.replace("postgresql://", "postgresql+asyncpg://")
    os.environ.setdefault("KLIMABY_LOG_LEVEL", "WARNING")
    try:
        await migrate_services(["inventory"])
        await seed_services(["inventory"], demo=False)
        await measure(args)
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        await admin.close()


async def measure(args: argparse.Namespace) -> None:
    from services.inventory.accounting.consumers import readings_handler
    from services.inventory.accounting.decoding import decode_reading
    from services.inventory.db import load_models, messaging
    from services.inventory.settings import Settings
    from shared.messaging.consumer import IdempotentConsumer
    from shared.messaging.outbox import Outbox
    from shared.process import tune_garbage_collection
    from shared.service import database_for

    load_models()
    settings = Settings()
    db = database_for(settings)
    app: Any = SimpleNamespace(state=SimpleNamespace(outbox=Outbox(messaging, "inventory")))
    consumer = IdempotentConsumer(
        db=db,
        tables=messaging,
        bootstrap_servers="unused:9092",
        group_id="inventory.accounting",
        topics=[SENSORS_READINGS],
        handler=readings_handler(app),
        dedupe_by_event_id=False,
        decoder=decode_reading,
    )
    # The warm-up's records come first on each partition, the measured ones after them.
    every = make_records(args.fetch + args.readings, 6, args.sensors)
    warm, records = every[: args.fetch], every[args.fetch :]
    backends: set[int] = set()

    async def backend_pids() -> None:
        async with db.engine.connect() as conn:
            backends.add(int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()))

    # Warm up: imports, prepared statements, caches (its readings are not in the figures).
    for batch in fetches(warm, args.fetch):
        await consumer.apply_many(batch)
    for _ in range(3):
        await backend_pids()
    tune_garbage_collection()  # as the service does once started

    profiler = cProfile.Profile() if args.profile else None
    statements = StatementCosts() if args.statements else None
    if statements:
        statements.install()
    print(f"{args.readings:,} readings, fetches of {args.fetch:,}, {args.sensors} sensors")
    for label, batches in (
        ("new", fetches(records, args.fetch)),
        ("replayed", fetches(records, args.fetch)),
    ):
        if label == "replayed":
            # A replay arrives after a restart: the stored offsets no longer skip it.
            async with db.transaction() as session:
                await session.execute(text("DELETE FROM consumer_offsets"))
        pg_before = backends_cpu(backends)
        cpu0, wall0 = own_cpu(), time.perf_counter()
        if profiler and label == "new":
            profiler.enable()
        if statements:
            statements.recording = label == "new"
        applied = 0
        for batch in batches:
            applied += await consumer.apply_many(batch)
        if profiler and label == "new":
            profiler.disable()
        if statements:
            statements.recording = False
        cpu, wall = own_cpu() - cpu0, time.perf_counter() - wall0
        pg = sum(cpu_of(pid) - before for pid, before in pg_before.items())
        n = args.readings
        print(
            f"{label:9s} consumer {cpu / n * 1e6:6.1f} µs CPU/reading, PostgreSQL backend "
            f"{pg / n * 1e6:5.1f} µs, wall {n / wall:8,.0f} readings/s ({applied:,} handed on)"
        )
    async with db.transaction() as session:
        accounted = (
            await session.execute(text("SELECT count(*) FROM accounted_readings"))
        ).scalar_one()
        in_buckets = (
            await session.execute(text("SELECT sum(readings) FROM emission_buckets"))
        ).scalar_one()
        parts_mg = (
            await session.execute(text("SELECT sum(co2e_mg) FROM accounted_reading_parts"))
        ).scalar_one()
        bucket_mg = (
            await session.execute(text("SELECT sum(co2e_mg) FROM emission_buckets"))
        ).scalar_one()
        month_mg = (
            await session.execute(text("SELECT sum(co2e_mg) FROM emission_months"))
        ).scalar_one()
    expected = args.readings + args.fetch
    ok = accounted == in_buckets == expected and parts_mg == bucket_mg == month_mg
    print(
        f"check: {accounted:,} accounted, {in_buckets:,} in buckets (expected {expected:,}); "
        f"mg parts {int(parts_mg):,} = buckets {int(bucket_mg):,} = months {int(month_mg):,}: "
        + ("ok" if ok else "MISMATCH")
    )
    await db.dispose()
    if statements:
        statements.report(args.readings)
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"profile: {args.profile}")
    if not ok:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument(
        "--fetch",
        type=int,
        default=4_000,
        help="records per fetch (the service: INVENTORY_ACCOUNTING_MAX_RECORDS)",
    )
    parser.add_argument("--sensors", type=int, default=100)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile stats into FILE")
    parser.add_argument(
        "--statements", action="store_true", help="PostgreSQL CPU per statement of the new readings"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
