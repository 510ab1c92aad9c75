"""Ingestion: validate each reading, turn registers into deltas, publish the new ones, answer
per item.

Everything a batch changes (accepted reading ids, meter states, activity, audit events in the
outbox, the idempotency record) is written in one transaction, and the readings are published
and acknowledged by the broker before that transaction commits. If the broker fails, the
transaction rolls back and the gateway gets 503: nothing is recorded as accepted, so its retry is
processed again with the same deterministic reading ids, and the inventory's accounting key
absorbs any reading that did reach the broker before the failure.
"""

from __future__ import annotations

import collections
import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from prometheus_client import Counter, Histogram
from sqlalchemy import DateTime, Table, bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.gateways.models import Gateway
from services.sensors.operations.service import Counts, record_batch
from services.sensors.readings import meters
from services.sensors.readings.events import (
    DELTA_FLAGS,
    FACT_COLUMNS,
    AcceptedEvents,
    Candidate,
    SensorFacts,
    rfc3339,
    time_texts,
    utc_text,
    uuid5_text,
)
from services.sensors.readings.formats import Item, Parsed, Rejection, raw_item
from services.sensors.readings.models import AcceptedReading
from services.sensors.readings.publisher import ReadingPublisher
from services.sensors.readings.schemas import item_problem
from services.sensors.readings.units import factor_to, to_canonical, unit_problem
from services.sensors.registry.models import Sensor
from shared.db import insert_ignoring_conflicts
from shared.events.payloads import ReadingRejected
from shared.messaging.outbox import Outbox
from shared.problems import InvalidParam

ACCEPTED: Table = AcceptedReading.__table__  # type: ignore[attr-defined]
SENSORS: Table = Sensor.__table__  # type: ignore[attr-defined]
# Set-based, in one statement whatever the batch's size: the accepted ids, their sensors and
# times travel as one JSON document of three arrays (msgspec writes it in C; asyncpg encoding
# three 5,000-element arrays, element by element, and 5,000 returned rows read back through
# SQLAlchemy cost ~20 ms of a batch's CPU), zipped back into rows by ROWS FROM. The database
# still decides which ids are new: its primary key refuses an id accepted before.
_BATCH_ROWS = """
    SELECT r, s, o::timestamptz, :received
    FROM ROWS FROM (
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 0),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 1),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 2)
    ) AS batch (r, s, o)
"""
_COLUMNS = f"{ACCEPTED.name} (reading_id, sensor_id, observed_at, received_at)"
# Nearly every batch is new: inserted straight in, without ON CONFLICT's speculative insertion
# (which cost the backend 2-2.5 µs more per row: 4.3-5.0 against 6.2-7.6 µs, 5,000-row batches
# alternating, docs/performance.md).
_INSERT_STRAIGHT = text(f"INSERT INTO {_COLUMNS} {_BATCH_ROWS}").bindparams(
    bindparam("received", type_=DateTime(timezone=True))
)
# A batch that repeats one before (a gateway's retry) is told by its first or last reading, and
# goes the conflict-checking way at once: the straight insert's refusal would be one ERROR line
# in the server's log per retried batch.
_ANY_ACCEPTED = text(
    f"SELECT EXISTS (SELECT 1 FROM {ACCEPTED.name} WHERE reading_id IN (:first, :last))"
)
_INSERT_NEW = text(
    f"""
    WITH new AS (
        INSERT INTO {_COLUMNS} {_BATCH_ROWS}
        ON CONFLICT DO NOTHING
        RETURNING reading_id
    )
    SELECT string_agg(reading_id, ',') FROM new
    """
).bindparams(bindparam("received", type_=DateTime(timezone=True)))
READING_NAMESPACE = uuid.UUID("6f1c2d4e-8a51-4c1b-9d0e-4b4b1a3c5e7f")
READINGS = Counter("klimaby_readings_total", "Readings by outcome", ["outcome"])
LAG = Histogram(
    "klimaby_reading_lag_seconds",
    "From observation (or interval end) to arrival, accepted readings",
    buckets=(1, 5, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400),
)


@dataclass(frozen=True)
class IngestLimits:
    future_tolerance: timedelta
    history_horizon: timedelta


def reading_id_for(sensor: SensorFacts, item: Item) -> str:
    """Deterministic: the gateway's own id when it gives one, else sensor + time (or interval)
    + quantity. The same reading sent twice, in any batch, by any path, gets the same id
    (a UUID 5, as text, computed without building a UUID object)."""
    if item.client_id:
        name = f"{sensor.id}|client|{item.client_id}"
    elif item.time is not None:
        name = f"{sensor.id}|{utc_text(item.time)}|{sensor.quantity}"
    else:
        assert item.start is not None and item.end is not None
        span = f"{utc_text(item.start)}/{utc_text(item.end)}"
        name = f"{sensor.id}|{span}|{sensor.quantity}"
    return uuid5_text(READING_NAMESPACE, name)


@dataclass
class BatchAnswer:
    """The per-item answer, kept as plain JSON-ready dicts: a 5,000-item batch is answered without
    building 5,000 models (their shape is :class:`BatchResult`, as the OpenAPI document shows)."""

    accepted: int
    duplicates: int
    rejected: int
    results: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "results": self.results,
        }


class Batch:
    """The answers of one batch, filled in as its items are decided."""

    def __init__(self, parsed: Sequence[Parsed]) -> None:
        self.parsed = parsed
        self.results: list[dict[str, Any] | None] = [None] * len(parsed)
        self.counts: dict[str, Counts] = defaultdict(Counts)

    def refuse(self, index: int, params: list[InvalidParam], status: int = 422) -> None:
        self.results[index] = {
            "index": index,
            "status": "rejected",
            "problem": item_problem(params, status),
        }

    def reject(self, index: int, name: str, reason: str, status: int = 422) -> None:
        self.refuse(index, [InvalidParam(name=name, reason=reason)], status)

    def answer(
        self,
        index: int,
        status: str,
        reading_id: str | None = None,
        flags: Sequence[str] | None = None,
    ) -> None:
        result: dict[str, Any] = {"index": index, "status": status}
        if reading_id is not None:
            result["reading_id"] = reading_id
        if flags:
            result["flags"] = list(flags)
        self.results[index] = result

    def summary(self) -> BatchAnswer:
        final = [r for r in self.results if r is not None]
        statuses = [r["status"] for r in final]
        return BatchAnswer(
            accepted=statuses.count("accepted"),
            duplicates=statuses.count("duplicate"),
            rejected=statuses.count("rejected"),
            results=final,
        )


async def ingest(
    session: AsyncSession,
    publisher: ReadingPublisher,
    outbox: Outbox,
    gateway: Gateway,
    parsed: Sequence[Parsed],
    limits: IngestLimits,
    now: datetime,
) -> BatchAnswer:
    batch = Batch(parsed)
    items: list[Item] = []
    for p in parsed:
        if isinstance(p, Rejection):
            batch.refuse(p.index, p.params, p.status)
        else:
            items.append(p)

    facts = await _resolve_sensors(session, gateway, items)
    candidates: dict[str, Candidate] = {}
    registers: dict[str, list[tuple[int, datetime, float]]] = defaultdict(list)
    screen = _Screen(facts, gateway, limits, now)
    for item in items:
        passed = screen.passes(item)
        if passed is not None:
            # The common case: every check holds (see _Screen); the rest are decided below.
            sensor, value = passed
            time = item.time
            if time is not None:
                id_text, start_text = time_texts(time)
                key = (
                    uuid5_text(READING_NAMESPACE, f"{sensor.id}|{id_text}|{sensor.quantity}")
                    if not item.client_id
                    else reading_id_for(sensor, item)
                )
                start = time
            else:
                key = reading_id_for(sensor, item)
                assert item.start is not None
                start = item.start
                start_text = rfc3339(start)
            if key in candidates:
                batch.answer(item.index, "duplicate", key)
            else:
                candidates[key] = Candidate(
                    item.index, key, sensor, value, start, item.end, start_text=start_text
                )
            continue
        checked = _check(batch, item, facts.get(item.sensor_ref), gateway, limits, now)
        if checked is None:
            continue
        sensor, value = checked
        if sensor.value_type == "cumulative":
            assert item.time is not None
            registers[sensor.id].append((item.index, item.time.astimezone(UTC), value))
            continue
        if not _plausible(batch, item, sensor, value):
            continue
        key = reading_id_for(sensor, item)
        if key in candidates:
            batch.answer(item.index, "duplicate", key)
            continue
        first = item.time or item.start
        assert first is not None
        candidates[key] = Candidate(item.index, key, sensor, value, first, item.end)

    await _advance_meters(session, batch, gateway, facts, registers, candidates, now)
    fresh = await _record_new(session, batch, candidates, now)

    results, counts = batch.results, batch.counts
    # The gateway's own sensors by the reference its items use (``gateway.id`` is an ORM
    # attribute: a descriptor call each time it is read).
    gateway_id = gateway.id
    mine = {ref: f.id for ref, f in facts.items() if f.gateway_id == gateway_id}
    for item in items:
        result = results[item.index]
        sensor_id = mine.get(item.sensor_ref)
        if result is not None and sensor_id is not None:
            status = result["status"]
            # The item's observed_at (its time, or its interval's end) unless it was rejected.
            counts[sensor_id].saw(status, (item.time or item.end) if status != "rejected" else None)
    await record_batch(session, outbox, batch.counts, {f.id: f for f in facts.values()}, now)
    await _audit_rejections(session, outbox, gateway, batch, items, now)
    events = AcceptedEvents(gateway.id, now)
    await publisher.publish([events.record(c) for c in fresh])

    summary = batch.summary()
    READINGS.labels("accepted").inc(summary.accepted)
    READINGS.labels("duplicate").inc(summary.duplicates)
    READINGS.labels("rejected").inc(summary.rejected)
    observe_lags(now, fresh)
    return summary


def observe_lags(now: datetime, fresh: Sequence[Candidate]) -> None:
    """``LAG.observe`` of each accepted reading's lag, as one addition per bucket and one to the
    sum: ``observe`` takes a lock and walks the bounds per call (~6 % of a 5,000-reading batch's
    CPU). A lag falls in the first bucket whose bound it does not exceed, as ``observe`` puts
    it (``tests/sensors/test_ingest_records.py`` compares the buckets with the lags)."""
    bounds = LAG._upper_bounds  # the buckets' bounds, +Inf last
    counts = [0] * len(bounds)
    total = 0.0
    # By observation time: a batch's readings share them (and their datetime objects).
    for moment, n in collections.Counter(c.end or c.start for c in fresh).items():
        lag = (now - moment).total_seconds()
        if lag < 0.0:
            lag = 0.0
        total += lag * n
        counts[bisect_left(bounds, lag)] += n
    if fresh:
        LAG._sum.inc(total)
    for bucket, count in zip(LAG._buckets, counts, strict=True):
        if count:
            bucket.inc(count)


async def _resolve_sensors(
    session: AsyncSession, gateway: Gateway, items: Sequence[Item]
) -> dict[str, SensorFacts]:
    """Each item's sensor: by Klimaby id, else by the gateway's own external id for it. Its
    facts are read as columns, not as ORM objects: a batch only reads them, and loading 500
    sensors into the session cost 7 ms of a 5,000-reading batch's CPU (docs/performance.md)."""
    refs = {item.sensor_ref for item in items}
    query = select(*FACT_COLUMNS).where(SENSORS.c.id.in_(refs))
    found = {row[0]: SensorFacts(*row) for row in (await session.execute(query)).all()}
    missing = refs - found.keys()
    if missing:
        by_external = select(SENSORS.c.external_id, *FACT_COLUMNS).where(
            SENSORS.c.gateway_id == gateway.id, SENSORS.c.external_id.in_(missing)
        )
        found.update(
            (row[0], SensorFacts(*row[1:])) for row in (await session.execute(by_external)).all()
        )
    return found


class _Screen:
    """The checks of :func:`_check` and :func:`_plausible` for the items that pass them all,
    with what a batch's items share worked out once (the sensors that can take a reading, the
    time window, each unit's factor): a 5,000-reading batch otherwise repeats them 5,000
    times. An item it does not pass (None) goes through ``_check`` and ``_plausible``, which
    answer it exactly as before; a cumulative sensor's readings always do."""

    def __init__(
        self,
        facts: dict[str, SensorFacts],
        gateway: Gateway,
        limits: IngestLimits,
        now: datetime,
    ) -> None:
        self.sensors = {
            ref: f
            for ref, f in facts.items()
            if f.gateway_id == gateway.id and f.status == "active" and f.value_type != "cumulative"
        }
        self.latest = now + limits.future_tolerance
        self.earliest = now - limits.history_horizon
        self.factors: dict[tuple[str, str], Decimal | None] = {}

    def passes(self, item: Item) -> tuple[SensorFacts, float] | None:
        sensor = self.sensors.get(item.sensor_ref)
        if sensor is None:
            return None
        latest = item.time or item.end
        earliest = item.time or item.start
        if latest is None or earliest is None or latest > self.latest or earliest < self.earliest:
            return None
        units = (item.unit, sensor.unit)
        factor = self.factors.get(units, _UNKNOWN)
        if factor is _UNKNOWN:
            factor = self.factors[units] = factor_to(*units)
        if factor is None:
            return None
        # As to_canonical converts.
        value = item.value if factor == 1 else float(Decimal(str(item.value)) * factor)
        low, high = sensor.plausible_min, sensor.plausible_max
        if (low is not None and value < low) or (high is not None and value > high):
            return None
        return sensor, value


_UNKNOWN: Any = object()


def _check(
    batch: Batch,
    item: Item,
    sensor: SensorFacts | None,
    gateway: Gateway,
    limits: IngestLimits,
    now: datetime,
) -> tuple[SensorFacts, float] | None:
    """The item's sensor and its value in the sensor's unit when everything but the amount's
    plausibility holds; else the item is rejected and None returned."""
    if sensor is None:
        batch.reject(item.index, item.at("sensor_id"), f"unknown sensor '{item.sensor_ref}'")
        return None
    if sensor.gateway_id != gateway.id:
        batch.reject(
            item.index, item.at("sensor_id"), "this sensor belongs to another gateway", 403
        )
        return None
    if sensor.status != "active":
        batch.reject(item.index, item.at("sensor_id"), "this sensor is deactivated")
        return None
    if sensor.value_type == "cumulative" and item.time is None:
        batch.reject(
            item.index,
            item.at("from"),
            "a cumulative sensor sends register readings at a time: give time, not from/to",
        )
        return None
    value = to_canonical(item.value, item.unit, sensor.unit)
    if value is None:
        batch.reject(item.index, item.at("unit"), unit_problem(item.unit, sensor.unit))
        return None
    latest = item.time or item.end
    earliest = item.time or item.start
    assert latest is not None and earliest is not None
    if latest > now + limits.future_tolerance:
        batch.reject(
            item.index,
            item.at("time" if item.time else "to"),
            f"stamped in the future (more than {int(limits.future_tolerance.total_seconds())} s "
            "ahead of the server's clock)",
        )
        return None
    if earliest < now - limits.history_horizon:
        batch.reject(
            item.index,
            item.at("time" if item.time else "from"),
            f"older than the history horizon of {limits.history_horizon.days} days",
        )
        return None
    return sensor, value


def _plausible(batch: Batch, item: Item, sensor: SensorFacts, value: float) -> bool:
    low, high = sensor.plausible_min, sensor.plausible_max
    if (low is not None and value < low) or (high is not None and value > high):
        batch.reject(
            item.index,
            item.at("value"),
            f"{value:g} {sensor.unit} is outside this sensor's plausible range "
            f"[{low if low is not None else 0:g}, {high if high is not None else 'inf'}]",
        )
        return False
    return True


async def _advance_meters(
    session: AsyncSession,
    batch: Batch,
    gateway: Gateway,
    sensors: dict[str, SensorFacts],
    registers: dict[str, list[tuple[int, datetime, float]]],
    candidates: dict[str, Candidate],
    now: datetime,
) -> None:
    if not registers:
        return
    by_id = {s.id: s for s in sensors.values()}
    states = await meters.lock_states(session, list(registers), now)
    new_registers: list[tuple[str, meters.Register]] = []
    for sensor_id in sorted(registers):
        sensor, state, readings = by_id[sensor_id], states[sensor_id], registers[sensor_id]
        last = state.last_observed_at
        history = await meters.load_history(
            session, sensor_id, [t for _i, t, _v in readings if last is not None and t <= last]
        )
        steps = meters.advance(
            state,
            readings,
            history,
            meters.MeterLimits(
                sensor.expected_interval_s, sensor.plausible_min, sensor.plausible_max, sensor.unit
            ),
            _delta_ids(sensor),
        )
        for step in steps:
            item = batch.parsed[step.index]
            assert isinstance(item, Item)
            if step.register is not None:
                new_registers.append((sensor_id, step.register))
            if step.status == "rejected":
                batch.reject(step.index, item.at(step.field), step.reason or "", step.http_status)
            elif step.status == "duplicate" or step.reading_id is None:
                batch.answer(step.index, step.status, step.reading_id, step.flags)
            else:
                assert step.start is not None and step.amount is not None
                candidates[step.reading_id] = Candidate(
                    step.index,
                    step.reading_id,
                    sensor,
                    step.amount,
                    step.start,
                    step.end,
                    tuple(f for f in step.flags if f in DELTA_FLAGS),
                )
    await meters.save(session, states, new_registers, now)


def _delta_ids(sensor: SensorFacts) -> Callable[[datetime, datetime], str]:
    def make(start: datetime, end: datetime) -> str:
        return meters.delta_id(READING_NAMESPACE, sensor.id, start, end, sensor.quantity)

    return make


async def _record_new(
    session: AsyncSession,
    batch: Batch,
    candidates: dict[str, Candidate],
    now: datetime,
) -> list[Candidate]:
    """Record the candidates; those already recorded by an earlier batch are duplicates."""
    if not candidates:
        return []
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        values = candidates.values()
        batch_json = msgspec.json.encode(
            (
                list(candidates),
                [c.sensor.id for c in values],
                [c.start_text or rfc3339(c.start) for c in values],
            )
        ).decode()
        new_ids = await _insert_accepted(session, candidates, batch_json, now)
    else:
        inserted = await insert_ignoring_conflicts(
            session,
            ACCEPTED,
            [
                {
                    "reading_id": key,
                    "sensor_id": c.sensor.id,
                    "observed_at": c.start,
                    "received_at": now,
                }
                for key, c in candidates.items()
            ],
            returning=("reading_id",),
        )
        new_ids = {row.reading_id for row in inserted}
    fresh: list[Candidate] = []
    results = batch.results
    for key, c in candidates.items():
        status = "accepted" if key in new_ids else "duplicate"
        if status == "accepted":
            fresh.append(c)
        if c.flags:
            batch.answer(c.index, status, key, c.flags)
        else:  # as Batch.answer writes it, without the call
            results[c.index] = {"index": c.index, "status": status, "reading_id": key}
    return fresh


async def _insert_accepted(
    session: AsyncSession, candidates: dict[str, Candidate], batch_json: str, now: datetime
) -> set[str]:
    """PostgreSQL: the ids of ``batch_json`` not accepted before, recorded. Straight in, in a
    savepoint, unless the batch's first or last reading was accepted before; should the key
    refuse one all the same (a partly repeated batch, or another replica's commit, which the
    insert waits for), the savepoint is rolled back and the batch recorded with ON CONFLICT."""
    ids = list(candidates)
    params = {"batch": batch_json, "received": now}
    if not await session.scalar(_ANY_ACCEPTED, {"first": ids[0], "last": ids[-1]}):
        try:
            async with session.begin_nested():
                await session.execute(_INSERT_STRAIGHT, params)
            return set(ids)
        except IntegrityError:
            pass
    agg = (await session.execute(_INSERT_NEW, params)).scalar()
    # Reading ids are UUID texts: a comma never occurs in one.
    return set(agg.split(",")) if agg else set()


async def _audit_rejections(
    session: AsyncSession,
    outbox: Outbox,
    gateway: Gateway,
    batch: Batch,
    items: Sequence[Item],
    now: datetime,
) -> None:
    by_index: dict[int, Item] | None = None  # only for a batch with a rejection
    for result in batch.results:
        if result is None or result["status"] != "rejected":
            continue
        if by_index is None:
            by_index = {item.index: item for item in items}
        raw = raw_item(batch.parsed[result["index"]])
        param = result["problem"]["invalid-params"][0]
        index = result["index"]
        item = by_index.get(index)
        await outbox.add(
            session,
            ReadingRejected(
                gateway_id=gateway.id,
                city=gateway.city,
                index=index,
                sensor_id=item.sensor_ref if item else _sensor_of(raw),
                field=param["name"],
                reason=param["reason"],
                item=dict(raw) if isinstance(raw, dict) else {"raw": raw},
                received_at=now,
            ),
            key=gateway.id,
        )


def _sensor_of(raw: object) -> str | None:
    if isinstance(raw, dict):
        ref = raw.get("sensor_id", raw.get("n"))
        return ref if isinstance(ref, str) else None
    return None
