"""Ingestion benchmark: readings/s accepted by ``POST /v1/readings`` in 5,000-reading batches,
side by side with the raw aiokafka produce rate of the same events, in one run, on this machine.

The sensors service runs as a real uvicorn process (what ``klimaby run`` starts) on a real
broker (an embedded Tansu, or KAFKA_BOOTSTRAP_SERVERS) and a real database (SQLite, or a fresh
PostgreSQL database with ``--database postgres``). Not a test: it prints figures.

It also prints the CPU the sensors process spends on each 5,000-reading POST (HTTP, parsing,
checks, database, publication), read from the scheduler's per-thread run time
(``/proc/<pid>/task/*/schedstat``, nanoseconds) before and after each post, posts one at a time
(``--concurrency 1``): best, median and mean of the measured batches. On a shared machine the
best of N is the figure to compare, run back to back against main. The batches are the ones
``bench/e2e.py`` posts (one gateway's 25 sensors, electricity, a reading a minute).

    .venv/bin/python bench/ingestion.py [--database sqlite|postgres] [--batches 20]
    .venv/bin/python bench/ingestion.py --database postgres --batches 30 --no-raw
    .venv/bin/python bench/ingestion.py --database postgres --profile var/sensors.txt
        # py-spy stacks of the sensors process over the measured posts (bench/profile_summary.py)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import signal
import statistics
import subprocess
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
from services.sensors.cities.repository import KnownCityRepository  # noqa: E402
from services.sensors.readings.events import SOURCE  # noqa: E402
from services.sensors.readings.publisher import HEADERS  # noqa: E402
from services.sensors.readings.service import READING_NAMESPACE  # noqa: E402
from services.supervisor import ServiceProcess  # noqa: E402
from shared.auth import issue_token  # noqa: E402
from shared.broker import free_port, start_broker  # noqa: E402
from shared.db import Database  # noqa: E402
from shared.events.catalogue import SENSORS_READINGS  # noqa: E402
from shared.events.envelope import encode_event, new_event  # noqa: E402
from shared.events.payloads import AccountingParameters, ReadingAccepted  # noqa: E402
from shared.messaging.kafka import ensure_topics, make_producer  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402

BATCH = 5000
SENSORS = 25
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


def sensors_cpu_ns(pid: int) -> int:
    """The process's CPU so far, every thread's, in nanoseconds (the scheduler's run time)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
    return total


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


async def register(
    client: httpx.AsyncClient, token: str, sensors: int = SENSORS
) -> tuple[str, list[str]]:
    auth = {"Authorization": f"Bearer {token}"}
    r = await client.post("/v1/gateways", json={"city": "bench", "name": "bench"}, headers=auth)
    r.raise_for_status()
    gateway = r.json()
    ids = []
    for i in range(sensors):
        r = await client.post(
            f"/v1/gateways/{gateway['id']}/sensors",
            json={
                "external_id": f"m{i}",
                "kind": "energy_meter",
                "gpc_reference": "I.1.2",
                "energy_carrier": "electricity",
                "bidding_zone": "NO1",
            },
            headers=auth,
        )
        r.raise_for_status()
        ids.append(r.json()["id"])
    return gateway["api_key"], ids


async def post_all(
    client: httpx.AsyncClient,
    key: str,
    batches: list[list[dict[str, Any]]],
    concurrency: int,
    pid: int,
) -> tuple[Figures, list[int]]:
    """Post every batch; also the sensors process's CPU (ns) per post when posted one at a
    time (with several clients at once the posts overlap and only the total means anything)."""
    bodies = [json.dumps({"readings": b}, separators=(",", ":")).encode() for b in batches]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0
    cpu: list[int] = []
    headers = {"X-Api-Key": key, "content-type": "application/json"}

    async def worker() -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            before = sensors_cpu_ns(pid)
            r = await client.post("/v1/readings", content=body, headers=headers)
            cpu.append(sensors_cpu_ns(pid) - before)
            if r.status_code != 202:
                raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
            accepted += r.json()["accepted"]

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(accepted, time.perf_counter() - started), cpu


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    proc = subprocess.Popen(
        [
            *(str(spy), "record", "--nonblocking", "--format", "raw", "--rate", "200"),
            *("-o", str(out), "-p", str(pid)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # py-spy attaches
    return proc


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


async def know_city(url: str, backend: str | None) -> None:
    """Sensors learns cities from the inventory's ``city.registered``; without an inventory,
    the bench's city is written into the fresh database as that consumer would."""
    db = Database(url, "sensors" if backend else None)
    try:
        async with db.transaction() as session:
            await KnownCityRepository(session).add_all([("bench", "Bench", datetime.now(UTC))])
    finally:
        await db.dispose()


PHASES = (
    "services.sensors.readings.formats:decode_readings",
    "services.sensors.readings.service:ingest",
    "services.sensors.readings.service:_resolve_sensors",
    "services.sensors.readings.service:_record_new",
    "services.sensors.readings.service:record_batch",
    "services.sensors.readings.service:observe_lags",
    "services.sensors.readings.publisher:_send_all",
    "services.sensors.readings.pipeline:_answer_text",
    "services.sensors.gateways.service:authenticate_gateway",
)


def _time_phases() -> dict[str, list[float]]:
    """Wrap the ingest path's steps (``PHASES``, module:function, as the caller looks them up)
    to add up their CPU per batch (an awaited step counts what the loop ran meanwhile)."""
    import functools
    import importlib
    import inspect

    spent: dict[str, list[float]] = {}
    for where in PHASES:
        module_name, name = where.split(":")
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        acc = spent[name] = [0.0]
        if inspect.iscoroutinefunction(original):

            async def timed_async(*a: Any, _f: Any = original, _acc: Any = acc, **k: Any) -> Any:
                t = time.process_time()
                try:
                    return await _f(*a, **k)
                finally:
                    _acc[0] += time.process_time() - t

            wrapper: Any = functools.wraps(original)(timed_async)
        else:

            def timed(*a: Any, _f: Any = original, _acc: Any = acc, **k: Any) -> Any:
                t = time.process_time()
                try:
                    return _f(*a, **k)
                finally:
                    _acc[0] += time.process_time() - t

            wrapper = functools.wraps(original)(timed)
        # Where the callers find it: the defining module and the ones that imported it.
        for mod in list(sys.modules.values()):
            if getattr(mod, "__name__", "").startswith("services.sensors") and (
                getattr(mod, name, None) is original
            ):
                setattr(mod, name, wrapper)
    return spent


async def in_process(env: dict[str, str], workdir: Path, args: argparse.Namespace) -> None:
    """The ingestion path without HTTP: the sensors app's lifespan in this process (its
    database, its publisher on the real broker), each batch handed to ``pipeline.submit`` as
    the endpoint does, its CPU taken with ``time.process_time`` (the event loop's other work
    meanwhile, the producer's sender included, is counted: it is the batch's too). With
    ``--cprofile FILE`` the measured batches run under cProfile (slower; for the shares)."""
    import cProfile

    from services.sensors.main import create_app
    from services.sensors.readings.pipeline import Submission, submit

    phases = _time_phases() if args.phases else {}

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app()
        async with app.router.lifespan_context(app):
            token = issue_token(
                "bench",
                "admin",
                settings=ServiceSettings(
                    auth_secret=env["KLIMABY_AUTH_SECRET"],
                    environment="test",
                    builtin_keys_file=workdir / "oidc-signing-keys.json",
                ),
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sensors") as client:
                key, sensor_ids = await register(client, token, args.sensors)
            start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=300)
            bodies = [
                json.dumps({"readings": b}, separators=(",", ":")).encode()
                for b in batches_of(sensor_ids, args.batches + 2, start)
            ]
            ingestion = app.state.ingestion
            profile = cProfile.Profile() if args.cprofile else None
            cpu: list[float] = []
            wall: list[float] = []
            gc_cpu = [0.0, 0.0]

            def gc_timer(phase: str, info: dict[str, int]) -> None:
                if phase == "start":
                    gc_cpu[1] = time.process_time()
                elif gc_cpu[1]:
                    gc_cpu[0] += time.process_time() - gc_cpu[1]

            gc.callbacks.append(gc_timer)
            per_phase: dict[str, list[float]] = {name: [] for name in phases}
            for n, body in enumerate(bodies):
                measured = n >= 2
                if n == 2:
                    gc_cpu[0] = 0.0
                for spent in phases.values():
                    spent[0] = 0.0
                if profile is not None and measured:
                    profile.enable()
                before, wall_before = time.process_time(), time.perf_counter()
                answer = await submit(ingestion, Submission("application/json", body, key))
                if measured:
                    cpu.append(time.process_time() - before)
                    wall.append(time.perf_counter() - wall_before)
                    for name, spent in phases.items():
                        per_phase[name].append(spent[0])
                if profile is not None and measured:
                    profile.disable()
                if answer.status != 202:
                    raise RuntimeError(f"{answer.status}: {answer.body[:300]}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if profile is not None:
        profile.dump_stats(args.cprofile)
    for name, spent_list in per_phase.items():
        print(
            f"  {name:<40} best {min(spent_list) * 1000:6.1f} ms, median "
            f"{statistics.median(spent_list) * 1000:6.1f} ms"
        )
    ms = sorted(c * 1000 for c in cpu)
    if os.environ.get("BENCH_VERBOSE"):
        print(f"garbage collector: {gc_cpu[0] * 1000 / len(cpu):.1f} ms CPU per batch")
        print("per batch, CPU ms:", " ".join(f"{c * 1000:.0f}" for c in cpu))
        print("per batch, wall ms:", " ".join(f"{c * 1000:.0f}" for c in wall))
    print(
        f"in process, pipeline.submit of {BATCH:,} readings (no HTTP): best {ms[0]:.1f} ms, "
        f"median {statistics.median(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms "
        f"({len(ms)} batches); load average (1 min) {os.getloadavg()[0]:.2f}"
    )


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
    await know_city(url, "postgres" if args.database == "postgres" else None)
    await ensure_topics(bootstrap, int(os.environ.get("KLIMABY_TOPIC_PARTITIONS", "6")))
    if args.in_process:
        try:
            await in_process(env, workdir, args)
        finally:
            if broker:
                broker.stop()
            if pg_name:
                await drop_pg(pg_name)
        return
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
            key, sensor_ids = await register(client, token, args.sensors)
            start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=300)
            first, second, *measured = batches_of(sensor_ids, args.batches + 2, start)
            warmup = [first, second]
            assert service.process is not None
            pid = service.process.pid
            await post_all(client, key, warmup, 1, pid)
            # What the process spends with nothing posted (relay, consumers, monitor, pings).
            idle_before = sensors_cpu_ns(pid)
            await asyncio.sleep(5)
            idle_ms_per_s = (sensors_cpu_ns(pid) - idle_before) / 1e6 / 5
            profiler = start_profiler(pid, args.profile) if args.profile else None
            total_before = sensors_cpu_ns(pid)
            try:
                http, cpu = await post_all(client, key, measured, args.concurrency, pid)
                total_ns = sensors_cpu_ns(pid) - total_before
            finally:
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    profiler.wait(30)
        raw = None
        if not args.no_raw:
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
        f"batches:   {len(measured)} x {BATCH} readings, {args.concurrency} client(s), 1 uvicorn worker, "
        f"{args.sensors} sensors"
    )
    print(
        f"POST /v1/readings (202, acked):   {http.per_second:>10,.0f} readings/s  ({http.readings} in {http.seconds:.2f} s)"
    )
    if raw is not None:
        print(
            f"raw aiokafka produce (acked):     {raw.per_second:>10,.0f} readings/s  ({raw.readings} in {raw.seconds:.2f} s)"
        )
        print(f"ratio HTTP / raw produce:         {http.per_second / raw.per_second:>10.2f}")
    ms = sorted(c / 1e6 for c in cpu)
    if os.environ.get("BENCH_VERBOSE"):
        print("per post, ms:", " ".join(f"{c / 1e6:.0f}" for c in cpu))
    if args.concurrency == 1:
        print(
            f"sensors CPU per POST of {BATCH:,}:   best {ms[0]:.1f} ms, median "
            f"{statistics.median(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms "
            f"({len(ms)} posts, one at a time)"
        )
    else:
        print(
            f"sensors CPU per POST of {BATCH:,}:   mean {total_ns / 1e6 / len(ms):.1f} ms "
            f"({len(ms)} posts, {args.concurrency} at once)"
        )
    print(f"sensors CPU while idle:           {idle_ms_per_s:.1f} ms per second")
    print(f"load average (1 min) after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batches", type=int, default=20, help="measured batches of 5,000")
    parser.add_argument("--concurrency", type=int, default=1, help="clients posting at once")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw produce run")
    parser.add_argument(
        "--sensors",
        type=int,
        default=SENSORS,
        help="the gateway's sensors (each batch spreads over them)",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="pipeline.submit in this process, no HTTP"
    )
    parser.add_argument("--cprofile", type=Path, default=None, help="in process: stats FILE")
    parser.add_argument(
        "--phases", action="store_true", help="in process: CPU of each step of the path"
    )
    parser.add_argument("--profile", type=Path, default=None, help="py-spy stacks into FILE")
    asyncio.run(main(parser.parse_args()))
