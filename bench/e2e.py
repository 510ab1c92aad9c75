"""End-to-end benchmark: gateways → sensors → broker → inventory (accounted) → hub, in one run.

Services run as real uvicorn processes (the supervisor ``klimaby run`` uses) on the embedded
Tansu broker (or KAFKA_BOOTSTRAP_SERVERS) and a fresh PostgreSQL database. It measures, on this
machine and in the same run:

- the raw aiokafka produce rate of the same CloudEvents (one ``send`` per message, and batched:
  one ``send_batch`` per partition), to a topic of its own, acknowledged;
- the rate ``POST /v1/readings`` accepts readings from several concurrent gateways;
- the rate the inventory ACCOUNTS them: first post to the last reading visible in the
  inventory's ``accounted_readings`` (read straight from its PostgreSQL schema);
- accept→accounted latency per reading: the gateway's answer (wall clock, taken by this
  process) to the reading's ``accounted_at`` (stamped inside the consumer's transaction, just
  before it commits), p50/p95/p99;
- the hub's lag: its consumer lag (from its ``/metrics``) and the time from the inventory's last
  accounted reading to the hub showing the same total;
- CPU seconds and peak RSS of every process (from /proc), and the seconds of it the services'
  garbage collector took (their ``/metrics``).

Modes:

    .venv/bin/python bench/e2e.py                       # throughput: 20 batches of 5,000
    .venv/bin/python bench/e2e.py --readings 200000 --gateways 4
    .venv/bin/python bench/e2e.py --steady 10000 --duration 60   # a steady offered load
    .venv/bin/python bench/e2e.py --readings 200000 --backlog [--inventory-replicas 2]

``--backlog`` measures the accounting alone, as a backfill or a restart after an outage meets
it: the inventory is stopped while every batch is posted, then started again (its replicas
too), and the rate is that of the backlog's accounting (the first to the last ``accounted_at``
after the restart), with no other process of the run competing for the cores. CPU is counted
from the restarted processes' readiness; accept→accounted latency means nothing there and is
not printed.

Not a test: it prints figures. Keep runs short on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402
from aiokafka.partitioner import DefaultPartitioner  # noqa: E402

from services.cli import migrate_services, seed_services  # noqa: E402
from services.sensors.readings.events import SOURCE  # noqa: E402
from services.sensors.readings.publisher import HEADERS  # noqa: E402
from services.sensors.readings.service import READING_NAMESPACE  # noqa: E402
from services.supervisor import ServiceProcess  # noqa: E402
from shared.auth import issue_token  # noqa: E402
from shared.broker import free_port, start_broker  # noqa: E402
from shared.events.envelope import encode_event, new_event  # noqa: E402
from shared.events.payloads import AccountingParameters, ReadingAccepted  # noqa: E402
from shared.messaging.kafka import ensure_topics, make_producer  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402

CITY = "oslo"
GPC = "I.1.2"
RAW_TOPIC = "bench.raw.v1"
PG_ADMIN_DSN = os.environ.get(
    "KLIMABY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVICES = ("sensors", "inventory", "hub")


# --- processes ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class Processes:
    pids: dict[str, int]
    cpu_at_start: dict[str, float] = field(default_factory=dict)
    pg_name: str = ""
    postgres_at_start: dict[int, tuple[str, float]] = field(default_factory=dict)

    def mark(self) -> None:
        self.cpu_at_start = {n: cpu_seconds(p) for n, p in self.pids.items()}
        self.cpu_at_start["bench client"] = _own_cpu()
        self.postgres_at_start = self._postgres()

    def report(self, app_of: dict[int, str] | None = None) -> list[tuple[str, float, float]]:
        """CPU and peak RSS since ``mark``; the PostgreSQL backends also per service, from their
        ``application_name`` (``app_of``: pid to name, read from ``pg_stat_activity``)."""
        rows = [
            (n, cpu_seconds(p) - self.cpu_at_start[n], peak_rss_mb(p)) for n, p in self.pids.items()
        ]
        own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("bench client", _own_cpu() - self.cpu_at_start["bench client"], own_rss))
        # PostgreSQL's backends serving this run's database (a backend that ended during the
        # run is missed, one that started counts whole), and apart from them its shared
        # processes (WAL writer, checkpointer, autovacuum), which also work for whatever else
        # the machine runs meanwhile.
        totals = {"ours": 0.0, "shared": 0.0}
        per_app: dict[str, float] = {}
        for pid, (kind, cpu) in self._postgres().items():
            before = self.postgres_at_start.get(pid)
            spent = cpu - (before[1] if before else 0.0)
            totals[kind] += spent
            if kind == "ours":
                app = (app_of or {}).get(pid) or "other"
                per_app[app] = per_app.get(app, 0.0) + spent
        rows.append(("PostgreSQL backends", totals["ours"], float("nan")))
        if app_of:
            for app, spent in sorted(per_app.items()):
                rows.append((f"  for {app.removeprefix('klimaby-')}", spent, float("nan")))
        rows.append(("PostgreSQL shared", totals["shared"], float("nan")))
        return rows

    def _postgres(self) -> dict[int, tuple[str, float]]:
        found = {}
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if not text.startswith("postgres:"):
                    continue
                pid = int(cmdline.parent.name)
                if f" {self.pg_name} " in text:
                    found[pid] = ("ours", cpu_seconds(pid))
                elif any(k in text for k in ("walwriter", "checkpointer", "writer", "autovacuum")):
                    found[pid] = ("shared", cpu_seconds(pid))
            except (OSError, ValueError, IndexError):
                continue
        return found


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the system ---------------------------------------------------------------------------


@dataclass
class Bench:
    workdir: Path
    bootstrap: str
    pg_name: str
    pg_dsn: str
    env: dict[str, str]
    services: dict[str, list[ServiceProcess]]
    broker: Any = None

    @property
    def sensors_urls(self) -> list[str]:
        return [s.url for s in self.services["sensors"]]

    @property
    def inventory_url(self) -> str:
        return self.services["inventory"][0].url

    @property
    def hub_url(self) -> str:
        return self.services["hub"][0].url

    def processes(self) -> Processes:
        pids = {}
        for name, procs in self.services.items():
            for i, proc in enumerate(procs):
                assert proc.process is not None
                pids[name if len(procs) == 1 else f"{name}#{i + 1}"] = proc.process.pid
        if self.broker is not None:
            pids["broker (Tansu)"] = self.broker.pid
        return Processes(pids, pg_name=self.pg_name)

    def stop(self) -> None:
        for procs in self.services.values():
            for proc in procs:
                proc.stop()
        if self.broker is not None:
            self.broker.stop()


async def start_bench(args: argparse.Namespace) -> Bench:
    workdir = Path(tempfile.mkdtemp(prefix="klimaby-e2e-bench-"))
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = start_broker(log_file=workdir / "broker.log")
        bootstrap = broker.bootstrap_servers
    pg_name = f"klimaby_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    pg_dsn = f"{base}/{pg_name}"
    secret = "bench-" + uuid.uuid4().hex
    # The first inventory process is the built-in token issuer; every process reads its keys
    # from the run's own key file (encrypted with the run's secret).
    inventory_port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KLIMABY_DATABASE_URL": pg_dsn.replace("postgresql://", "postgresql+asyncpg://"),
        "KLIMABY_AUTH_SECRET": secret,
        "KLIMABY_BUILTIN_KEYS_FILE": str(workdir / "oidc-signing-keys.json"),
        "KLIMABY_BUILTIN_ISSUER": f"http://127.0.0.1:{inventory_port}/oidc",
        "KLIMABY_ENVIRONMENT": "test",
        "KLIMABY_LOG_LEVEL": "WARNING",
        "KLIMABY_TOPIC_PARTITIONS": str(args.partitions),
        "KLIMABY_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "SENSORS_RATE_LIMIT_REQUESTS_PER_MINUTE": "0",
        "SENSORS_RATE_LIMIT_READINGS_PER_MINUTE": "0",
        "SENSORS_MQTT_ENABLED": "false",
    }
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        await migrate_services(list(SERVICES))
        await seed_services(list(SERVICES), demo=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    await ensure_topics(bootstrap, args.partitions)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(RAW_TOPIC, args.partitions, 1)])
    finally:
        await admin.close()
    counts = {"sensors": args.sensors_workers, "inventory": args.inventory_replicas, "hub": 1}
    services: dict[str, list[ServiceProcess]] = {}
    for name in SERVICES:
        services[name] = []
        for i in range(counts[name]):
            port = inventory_port if (name, i) == ("inventory", 0) else free_port()
            proc_env = {**env, f"{name.upper()}_PORT": str(port)}
            if i > 0:
                # One relay per service publishes its outbox; replicas share the consumer group.
                proc_env[f"{name.upper()}_OUTBOX_RELAY_ENABLED"] = "false"
            services[name].append(
                ServiceProcess(name, port, proc_env, workdir / f"{name}-{i + 1}.log")
            )
    bench = Bench(workdir, bootstrap, pg_name, pg_dsn, env, services, broker)
    for procs in services.values():
        for proc in procs:
            proc.start()
    for procs in services.values():
        for proc in procs:
            await asyncio.to_thread(proc.wait_ready, 90)
    return bench


def bench_settings(env: dict[str, str]) -> ServiceSettings:
    """The run's settings as its processes read them (to mint a token with its keys)."""
    return ServiceSettings(
        auth_secret=env["KLIMABY_AUTH_SECRET"],
        environment=env["KLIMABY_ENVIRONMENT"],
        builtin_keys_file=Path(env["KLIMABY_BUILTIN_KEYS_FILE"]),
        builtin_issuer=env["KLIMABY_BUILTIN_ISSUER"],
    )


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# --- gateways and their readings ----------------------------------------------------------


@dataclass
class Gateway:
    id: str
    key: str
    sensors: list[str]


async def register(client: httpx.AsyncClient, token: str, n: int, sensors: int) -> list[Gateway]:
    auth = {"Authorization": f"Bearer {token}"}
    # Sensors learns the city from the inventory's city.registered: wait (bounded) for it.
    for _ in range(600):
        if (await client.get("/v1/gateways", params={"city": CITY, "limit": 1})).status_code == 200:
            break
        await asyncio.sleep(0.1)
    out = []
    for g in range(n):
        r = await client.post(
            "/v1/gateways", json={"city": CITY, "name": f"bench {g}"}, headers=auth
        )
        r.raise_for_status()
        gw = r.json()
        ids = []
        for i in range(sensors):
            r = await client.post(
                f"/v1/gateways/{gw['id']}/sensors",
                json={
                    "external_id": f"m{i}",
                    "kind": "energy_meter",
                    "gpc_reference": GPC,
                    "energy_carrier": "electricity",
                    "bidding_zone": "NO1",
                },
                headers=auth,
            )
            r.raise_for_status()
            ids.append(r.json()["id"])
        out.append(Gateway(gw["id"], gw["api_key"], ids))
    return out


@dataclass
class Batch:
    gateway: Gateway
    items: list[dict[str, Any]]
    body: bytes = b""

    def __post_init__(self) -> None:
        self.body = json.dumps({"readings": self.items}, separators=(",", ":")).encode()


def make_batches(gateways: list[Gateway], total: int, size: int, start: datetime) -> list[Batch]:
    """``total`` distinct readings in batches of ``size``, round-robin over the gateways (one a
    minute per sensor, so they spread over the hours and the partitions)."""
    per_gateway: dict[str, int] = defaultdict(int)
    batches = []
    for b in range(-(-total // size)):
        gw = gateways[b % len(gateways)]
        items = []
        for _ in range(min(size, total - b * size)):
            n = per_gateway[gw.id]
            per_gateway[gw.id] += 1
            sensor = gw.sensors[n % len(gw.sensors)]
            at = start + timedelta(minutes=n // len(gw.sensors))
            items.append(
                {"sensor_id": sensor, "time": at.isoformat(), "value": 1.25 + n % 7, "unit": "kWh"}
            )
        batches.append(Batch(gw, items))
    return batches


@dataclass
class Posted:
    started: float = 0.0
    """Wall clock of the first post."""
    finished: float = 0.0
    accepted: int = 0
    answered_at: dict[str, float] = field(default_factory=dict)
    """Reading id → wall clock of the answer that accepted it."""
    response_s: list[float] = field(default_factory=list)
    refused: int = 0
    """Readings of batches answered 503 (the service shedding load it cannot take in time)."""


async def post_batch(client: httpx.AsyncClient, batch: Batch, posted: Posted) -> None:
    sent = time.perf_counter()
    r = await client.post(
        "/v1/readings",
        content=batch.body,
        headers={"X-Api-Key": batch.gateway.key, "content-type": "application/json"},
    )
    answered = time.time()
    posted.response_s.append(time.perf_counter() - sent)
    if r.status_code == 503:
        # Nothing of the batch was accepted (the broker did not acknowledge in time); a
        # gateway would retry later. Counted, so an overloaded run says so instead of failing.
        posted.refused += len(batch.items)
        return
    if r.status_code != 202:
        raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
    answer = r.json()
    posted.accepted += answer["accepted"]
    for result in answer["results"]:
        posted.answered_at[result["reading_id"]] = answered


async def post_closed_loop(
    clients: list[httpx.AsyncClient], batches: list[Batch], concurrency: int
) -> Posted:
    """Each of ``concurrency`` gateways posts its next batch as soon as the last is answered."""
    queue: asyncio.Queue[Batch] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    posted = Posted(started=time.time())

    async def gateway(n: int) -> None:
        client = clients[n % len(clients)]
        while not queue.empty():
            await post_batch(client, queue.get_nowait(), posted)

    await asyncio.gather(*(gateway(n) for n in range(concurrency)))
    posted.finished = time.time()
    return posted


async def post_steady(
    clients: list[httpx.AsyncClient], batches: list[Batch], rate: float
) -> Posted:
    """Open loop: batch k leaves at ``k * size / rate`` whatever happened to the earlier ones,
    so a slow answer does not lower the offered load."""
    posted = Posted(started=time.time())
    t0 = time.perf_counter()
    tasks = []
    due = 0.0
    for k, batch in enumerate(batches):
        delay = t0 + due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post_batch(clients[k % len(clients)], batch, posted)))
        due += len(batch.items) / rate
    await asyncio.gather(*tasks)
    posted.finished = time.time()
    return posted


# --- what the inventory accounted, and the hub showed -------------------------------------


async def wait_accounted(
    pg: asyncpg.Connection, expected: int, timeout_s: float, hub_lag: list[int], hub_url: str
) -> tuple[int, float]:
    """Poll the inventory's table until ``expected`` readings are there; returns (count, the
    wall clock it was first seen complete). Samples the hub's consumer lag meanwhile."""
    deadline = time.monotonic() + timeout_s
    count = 0
    async with httpx.AsyncClient(base_url=hub_url, timeout=5) as hub:
        while time.monotonic() < deadline:
            count = await pg.fetchval("SELECT count(*) FROM inventory.accounted_readings")
            hub_lag.append(await consumer_lag(hub, "inventory.events.v1"))
            if count >= expected:
                return count, time.time()
            # Not faster: the count and the hub's /metrics cost CPU the measured processes
            # share (at 0.1 s they took ~0.5 s of PostgreSQL's and the hub's CPU in a 10 s
            # run). The rate and the latencies come from accounted_at, not from this poll.
            await asyncio.sleep(0.5)
    return count, time.time()


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The (labels, value) of every sample called ``name`` in a ``/metrics`` text, read by
    prometheus_client's own parser."""
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def consumer_lag(client: httpx.AsyncClient, topic: str) -> int:
    try:
        text = (await client.get("/metrics")).text
    except httpx.HTTPError:
        return -1
    lags = samples(text, "klimaby_consumer_lag")
    return int(sum(value for labels, value in lags if labels.get("topic") == topic))


async def accounting_batches(bench: Bench) -> tuple[float, float]:
    """(transactions, readings) the inventory's accounting consumers committed so far, summed
    over the replicas (``klimaby_consumer_batch_records`` on their ``/metrics``)."""
    count = total = 0.0
    async with httpx.AsyncClient(timeout=5) as client:
        for proc in bench.services["inventory"]:
            text = (await client.get(proc.url + "/metrics")).text
            for suffix in ("_count", "_sum"):
                found = samples(text, "klimaby_consumer_batch_records" + suffix)
                n = sum(v for labels, v in found if labels["group"].endswith(".accounting"))
                if suffix == "_count":
                    count += n
                else:
                    total += n
    return count, total


async def gc_seconds(bench: Bench) -> dict[str, float]:
    """The garbage collector's seconds so far per service process, named as ``processes()``
    names them (``klimaby_gc_seconds_total`` on their ``/metrics``; a service that does not
    tune its collector does not time it either, and is left out)."""
    found: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for name, procs in bench.services.items():
            for i, proc in enumerate(procs):
                try:
                    text = (await client.get(proc.url + "/metrics")).text
                except httpx.HTTPError:
                    continue
                passes = samples(text, "klimaby_gc_seconds_total")
                if passes:
                    found[name if len(procs) == 1 else f"{name}#{i + 1}"] = sum(
                        v for _labels, v in passes
                    )
    return found


async def hub_catch_up(bench: Bench, timeout_s: float = 60) -> tuple[float, int, int]:
    """Seconds from now until the hub shows the inventory's live total for the city."""
    async with (
        httpx.AsyncClient(base_url=bench.inventory_url, timeout=10) as inventory,
        httpx.AsyncClient(base_url=bench.hub_url, timeout=10) as hub,
    ):
        target = (await inventory.get(f"/v1/cities/{CITY}/live")).json()["co2e_mg"]
        started = time.time()
        shown = -1
        while time.time() - started < timeout_s:
            r = await hub.get(f"/v1/cities/{CITY}")
            shown = r.json()["co2e_mg"] if r.status_code == 200 else -1
            if shown == target:
                break
            await asyncio.sleep(0.05)
        return time.time(), target, shown


async def latencies(
    pg: asyncpg.Connection, posted: Posted
) -> tuple[list[float], float, float, list[float]]:
    """Accept→accounted of every posted reading, the first and last ``accounted_at``, and the
    distinct ``accounted_at`` of the posted readings in order (one per inventory transaction:
    a transaction stamps its readings with one time)."""
    rows = await pg.fetch(
        "SELECT reading_id, extract(epoch FROM accounted_at)::float8 AS at "
        "FROM inventory.accounted_readings"
    )
    out = []
    commits: set[float] = set()
    first, last = float("inf"), 0.0
    for row in rows:
        answered = posted.answered_at.get(row["reading_id"])
        if answered is None:
            continue
        out.append(max(0.0, row["at"] - answered))
        commits.add(row["at"])
        first, last = min(first, row["at"]), max(last, row["at"])
    return out, first, last, sorted(commits)


def longest_pause(commits: Sequence[float], since: float) -> tuple[float, float]:
    """The longest wait, from ``since`` (the first post), for the inventory's next commit of
    posted readings, and how long after ``since`` it began: a stall of the accounting shows here
    as a pause far longer than a transaction takes."""
    pause, at, previous = 0.0, 0.0, since
    for moment in commits:
        if moment - previous > pause:
            pause, at = moment - previous, previous - since
        previous = moment
    return pause, at


# --- profiles -----------------------------------------------------------------------------


def start_profilers(bench: Bench, out: Path | None) -> list[subprocess.Popen[bytes]]:
    """py-spy on the sensors, inventory and hub processes during the measured phase (collapsed
    stacks, one file each; ``bench/profile_summary.py`` turns them into a table)."""
    if out is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    procs = []
    for name in ("sensors", "inventory", "hub"):
        for i, svc in enumerate(bench.services[name]):
            assert svc.process is not None
            procs.append(
                subprocess.Popen(
                    [
                        str(spy),
                        "record",
                        "--nonblocking",
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "-o",
                        str(out / f"{name}-{i + 1}.txt"),
                        "-p",
                        str(svc.process.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    time.sleep(1.0)  # py-spy attaches
    return procs


def stop_profilers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGINT)
    for proc in procs:
        proc.wait(30)


# --- raw produce --------------------------------------------------------------------------


def events_of(batch: Batch) -> list[tuple[bytes, bytes]]:
    """The CloudEvents the sensors service publishes for these readings (key, value)."""
    now = datetime.now(UTC)
    out = []
    accounting = AccountingParameters(energy_carrier="electricity", bidding_zone="NO1")
    for item in batch.items:
        rid = uuid.uuid5(READING_NAMESPACE, f"raw|{item['sensor_id']}|{item['time']}")
        payload = ReadingAccepted(
            reading_id=rid,
            sensor_id=item["sensor_id"],
            gateway_id=batch.gateway.id,
            city=CITY,
            kind="energy_meter",
            quantity="energy",
            value=item["value"],
            unit="kWh",
            time=datetime.fromisoformat(item["time"]),
            gpc_reference=GPC,
            accounting=accounting,
            received_at=now,
        )
        event = new_event(payload, source=SOURCE, subject=payload.sensor_id, event_id=str(rid))
        out.append((payload.sensor_id.encode(), encode_event(event)))
    return out


async def produce_per_message(bootstrap: str, batches: list[list[tuple[bytes, bytes]]]) -> float:
    """The service's producer configuration; one ``send`` per record, each batch's
    acknowledgements awaited before the next (the guarantee the endpoint gives)."""
    producer = make_producer(bootstrap, "bench-raw")
    await producer.start()
    try:
        started = time.perf_counter()
        sent = 0
        for batch in batches:
            futures = [
                await producer.send(RAW_TOPIC, value=v, key=k, headers=HEADERS) for k, v in batch
            ]
            await asyncio.gather(*futures)
            sent += len(batch)
        return sent / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def produce_batched(bootstrap: str, batches: list[list[tuple[bytes, bytes]]]) -> float:
    """The same records, one ``send_batch`` per partition (the key's partition, as the default
    partitioner picks it), acknowledged batch by batch."""
    producer = make_producer(bootstrap, "bench-raw-batched")
    await producer.start()
    partitioner = DefaultPartitioner()
    try:
        partitions = sorted(await producer.partitions_for(RAW_TOPIC))
        started = time.perf_counter()
        sent = 0
        for batch in batches:
            by_partition: dict[int, Any] = {}
            futures = []
            for k, v in batch:
                p = partitioner(k, partitions, partitions)
                b = by_partition.get(p)
                if b is None:
                    b = by_partition[p] = producer.create_batch()
                if b.append(key=k, value=v, timestamp=None, headers=HEADERS) is None:
                    futures.append(await producer.send_batch(b, RAW_TOPIC, partition=p))
                    b = by_partition[p] = producer.create_batch()
                    b.append(key=k, value=v, timestamp=None, headers=HEADERS)
            for p, b in by_partition.items():
                b.close()
                futures.append(await producer.send_batch(b, RAW_TOPIC, partition=p))
            await asyncio.gather(*futures)
            sent += len(batch)
        return sent / (time.perf_counter() - started)
    finally:
        await producer.stop()


# --- the run ------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    bench = await start_bench(args)
    try:
        await measure(bench, args)
    finally:
        bench.stop()
        await drop_database(bench.pg_name)


async def measure(bench: Bench, args: argparse.Namespace) -> None:
    token = issue_token("bench", "admin", settings=bench_settings(bench.env))
    clients = [httpx.AsyncClient(base_url=u, timeout=300) for u in bench.sensors_urls]
    pg = await asyncpg.connect(bench.pg_dsn)
    try:
        gateways = await register(clients[0], token, args.gateways, args.sensors)
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=300)
        steady = args.steady is not None
        total = int(args.steady * args.duration) if steady else args.readings
        size = args.batch if args.batch else (500 if steady else 5000)
        # A warm-up batch on sensors that the measured batches do not use (its own gateway).
        warm = await register(clients[0], token, 1, 10)
        warmup = make_batches(warm, min(size, 5000), min(size, 5000), start)
        await post_closed_loop(clients, warmup, 1)
        count, _ = await wait_accounted(pg, len(warmup[0].items), 60, [], bench.hub_url)
        batches = make_batches(gateways, total, size, start)
        base = count

        if args.backlog:
            for proc in bench.services["inventory"]:
                proc.stop()
            posted = await post_closed_loop(clients, batches, args.gateways)
            restarted = time.time()
            for proc in bench.services["inventory"]:
                proc.start()
            for proc in bench.services["inventory"]:
                await asyncio.to_thread(proc.wait_ready, 90)
        procs = bench.processes()
        profilers = start_profilers(bench, args.profile)
        procs.mark()
        batches_before = await accounting_batches(bench)
        gc_before = await gc_seconds(bench)
        hub_lag: list[int] = []
        if not args.backlog:  # a backlog was posted before the inventory restarted
            posted = await (
                post_steady(clients, batches, args.steady)
                if steady
                else post_closed_loop(clients, batches, args.gateways)
            )
        count, _seen_all = await wait_accounted(
            pg, base + posted.accepted, args.timeout, hub_lag, bench.hub_url
        )
        hub_done, target, shown = await hub_catch_up(bench)
        batches_after = await accounting_batches(bench)
        gc_after = await gc_seconds(bench)
        app_of = {
            row["pid"]: row["application_name"]
            for row in await pg.fetch(
                "SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1",
                bench.pg_name,
            )
        }
        usage = procs.report(app_of)
        stop_profilers(profilers)
        lat, first, last, commits = await latencies(pg, posted)
        if args.backlog:
            # The backlog's own accounting: from its first reading accounted after the restart.
            first = await pg.fetchval(
                "SELECT extract(epoch FROM min(accounted_at))::float8 "
                "FROM inventory.accounted_readings WHERE accounted_at >= to_timestamp($1)",
                restarted,
            )
    finally:
        await pg.close()
        for c in clients:
            await c.aclose()

    raw = [events_of(b) for b in batches]
    per_message = await produce_per_message(bench.bootstrap, raw)
    batched = await produce_batched(bench.bootstrap, raw)

    wall = posted.finished - posted.started
    accepted_rate = posted.accepted / wall
    accounted = count - base
    since = first if args.backlog else posted.started
    accounted_rate = accounted / max(1e-9, last - since)
    print(
        f"machine:    {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )
    print(
        f"            load average (1 min) after the run: {os.getloadavg()[0]:.2f} (a shared machine)"
    )
    print(
        f"broker:     {'embedded Tansu' if bench.broker else bench.bootstrap}, {args.partitions} partitions"
    )
    print("database:   PostgreSQL (a fresh database)")
    print(
        f"processes:  {args.sensors_workers} sensors, {args.inventory_replicas} inventory, 1 hub; "
        f"{args.gateways} gateways x {args.sensors} sensors"
    )
    mode = (
        f"steady {args.steady:,.0f} readings/s offered for {args.duration:.0f} s"
        if steady
        else "backlog (posted with the inventory stopped, then accounted)"
        if args.backlog
        else "throughput (closed loop)"
    )
    print(f"mode:       {mode}; {total:,} readings in batches of {size:,}")
    print()
    print(f"raw aiokafka produce, per message:  {per_message:>10,.0f} readings/s")
    print(f"raw aiokafka produce, batched:      {batched:>10,.0f} readings/s")
    print(
        f"POST /v1/readings accepted:         {accepted_rate:>10,.0f} readings/s  "
        f"({posted.accepted:,} in {wall:.2f} s)  ratio to raw per message {accepted_rate / per_message:.2f}"
    )
    if posted.refused:
        print(f"POST answered 503 (shed):           {posted.refused:>10,} readings (not accepted)")
    print(
        f"accounted by the inventory:         {accounted_rate:>10,.0f} readings/s  "
        f"({accounted:,} in {last - since:.2f} s from the "
        f"{'first accounted after the restart' if args.backlog else 'first post'})  "
        f"ratio to raw per message {accounted_rate / per_message:.2f}"
    )
    if accounted < total:
        print(f"   NOT ALL ACCOUNTED: {accounted:,} of {total:,} after {args.timeout:.0f} s")
    print(
        f"POST answer time:                   p50 {pct(posted.response_s, 0.5) * 1000:.0f} ms, "
        f"p99 {pct(posted.response_s, 0.99) * 1000:.0f} ms"
    )
    if not args.backlog:
        print(
            f"accept→accounted latency:           p50 {pct(lat, 0.5):.3f} s, "
            f"p95 {pct(lat, 0.95):.3f} s, p99 {pct(lat, 0.99):.3f} s, "
            f"max {max(lat, default=float('nan')):.3f} s"
        )
    lags = [x for x in hub_lag if x >= 0]
    print(
        f"hub:                                consumer lag max {max(lags, default=0)} records "
        f"(median {statistics.median(lags) if lags else 0:.0f}); shows the inventory's total at most "
        f"{hub_done - last:.2f} s after the last reading was accounted"
        + ("" if shown == target else f"  (NOT caught up: {shown} vs {target})")
    )
    transactions = batches_after[0] - batches_before[0]
    in_them = batches_after[1] - batches_before[1]
    print(
        f"inventory transactions:             {transactions:>10,.0f} "
        f"(a mean of {in_them / max(1.0, transactions):,.0f} readings each)"
    )
    pause, pause_at = longest_pause(commits, since)
    print(
        f"longest wait for the next commit:   {pause:.2f} s, from {pause_at:.2f} s after the "
        + ("first reading accounted after the restart" if args.backlog else "first post")
    )
    sensors_cpu = sum(cpu for name, cpu, _rss in usage if name.startswith("sensors"))
    if not args.backlog:  # the posting is not in the measured phase there
        print(
            f"sensors CPU per POST of {size:,}:      {sensors_cpu / len(batches) * 1000:.0f} ms "
            "(the whole process: HTTP, parsing, checks, database, publication)"
        )
    print()
    print(
        f"{'process':<16} {'CPU s':>8} {'CPU µs/reading':>15} {'peak RSS MB':>12} "
        f"{'of which GC s':>14}"
    )
    for name, cpu, rss in usage:
        collector = (
            f"{gc_after[name] - gc_before.get(name, 0.0):>14.2f}" if name in gc_after else ""
        )
        print(f"{name:<16} {cpu:>8.2f} {cpu / max(1, total) * 1e6:>15.1f} {rss:>12.0f} {collector}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readings", type=int, default=100_000, help="throughput mode: how many")
    parser.add_argument(
        "--batch", type=int, default=0, help="readings per POST (5,000; steady 500)"
    )
    parser.add_argument("--gateways", type=int, default=4, help="concurrent gateways")
    parser.add_argument("--sensors", type=int, default=25, help="sensors per gateway")
    parser.add_argument("--steady", type=float, default=None, help="offered readings/s")
    parser.add_argument("--duration", type=float, default=20, help="steady mode: seconds")
    parser.add_argument("--partitions", type=int, default=6, help="partitions per topic")
    parser.add_argument("--inventory-replicas", type=int, default=1)
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="post everything with the inventory stopped, then time its accounting alone",
    )
    parser.add_argument("--sensors-workers", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy stacks into DIR")
    parser.add_argument("--timeout", type=float, default=150, help="wait for accounting, s")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
