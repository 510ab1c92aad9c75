"""Operations: per-sensor activity (last seen, counts, lag) and stale / recovered sensors.

Activity is added to by every batch in the batch's own transaction. Staleness is found by a
periodic check and cleared by the next batch that names the sensor; both flip the flag with a
conditional UPDATE, so with several replicas exactly one of them emits each event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import msgspec
from sqlalchemy import DateTime, Table, bindparam, func, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.sensors.operations.models import SensorActivity
from services.sensors.operations.ratelimit import purge_old_windows
from services.sensors.readings.idempotency import purge_expired
from services.sensors.registry.models import Sensor
from shared.db import Database, insert_ignoring_conflicts
from shared.events.payloads import SensorRecovered, SensorStale
from shared.messaging.outbox import Outbox
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)
ACTIVITY: Table = SensorActivity.__table__  # type: ignore[attr-defined]

# PostgreSQL: a batch's counts in one statement whatever its number of sensors, travelling as
# one JSON document of arrays (as the accepted ids do, readings/service.py). The multi-row
# insert bound nine parameters per sensor and the stale lookup one: 6.6 ms of a 500-sensor
# batch's CPU (bench/ingestion.py --phases, docs/performance.md). Sorted by sensor id, so
# concurrent batches lock the rows in one order (no deadlock).
_BATCH_SENSORS = "jsonb_array_elements_text(CAST(:batch AS jsonb) -> 0)"
_STALE = text(
    f"SELECT sensor_id, stale_since FROM {ACTIVITY.name} "
    f"WHERE stale_since IS NOT NULL AND sensor_id IN (SELECT {_BATCH_SENSORS})"
).columns(ACTIVITY.c.sensor_id, ACTIVITY.c.stale_since)
_ADD_ACTIVITY = text(
    f"""
    INSERT INTO {ACTIVITY.name} (sensor_id, last_seen_at, last_observed_at, last_lag_s, accepted,
        duplicates, rejected, stale_since, updated_at)
    SELECT s, :now, o::timestamptz, l::double precision, a::bigint, d::bigint, r::bigint,
        NULL, :now
    FROM ROWS FROM (
        {_BATCH_SENSORS},
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 1),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 2),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 3),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 4),
        jsonb_array_elements_text(CAST(:batch AS jsonb) -> 5)
    ) AS batch (s, o, l, a, d, r)
    ON CONFLICT (sensor_id) DO UPDATE SET
        accepted = {ACTIVITY.name}.accepted + excluded.accepted,
        duplicates = {ACTIVITY.name}.duplicates + excluded.duplicates,
        rejected = {ACTIVITY.name}.rejected + excluded.rejected,
        last_seen_at = excluded.last_seen_at,
        last_observed_at = coalesce(excluded.last_observed_at, {ACTIVITY.name}.last_observed_at),
        last_lag_s = coalesce(excluded.last_lag_s, {ACTIVITY.name}.last_lag_s),
        updated_at = excluded.updated_at
    """
).bindparams(bindparam("now", type_=DateTime(timezone=True)))


class RegisteredSensor(Protocol):
    """What a batch's activity reads of its sensors (a registry row, or a batch's facts)."""

    @property
    def gateway_id(self) -> str: ...

    @property
    def city(self) -> str: ...


@dataclass
class Counts:
    """What one batch brought for one sensor."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    newest: datetime | None = None

    def saw(self, status: str, observed_at: datetime | None) -> None:
        if status == "accepted":
            self.accepted += 1
        elif status == "duplicate":
            self.duplicates += 1
        else:
            self.rejected += 1
        if observed_at is not None and (self.newest is None or observed_at > self.newest):
            self.newest = observed_at


async def record_batch(
    session: AsyncSession,
    outbox: Outbox,
    counts: Mapping[str, Counts],
    sensors: Mapping[str, RegisteredSensor],
    now: datetime,
) -> None:
    """Add a batch's counts, mark its sensors seen, and emit ``sensor.recovered`` for any that
    were stale."""
    if not counts:
        return
    ids = sorted(counts)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        newest = [counts[i].newest for i in ids]
        batch = msgspec.json.encode(
            (
                ids,
                newest,  # msgspec writes an aware datetime as RFC 3339
                [(now - n).total_seconds() if n else None for n in newest],
                [counts[i].accepted for i in ids],
                [counts[i].duplicates for i in ids],
                [counts[i].rejected for i in ids],
            )
        ).decode()
        stale = (await session.execute(_STALE, {"batch": batch})).all()
        await _recover(session, outbox, stale, sensors, now)
        await session.execute(_ADD_ACTIVITY, {"batch": batch, "now": now})
        return
    stale = (
        await session.execute(
            select(ACTIVITY.c.sensor_id, ACTIVITY.c.stale_since).where(
                ACTIVITY.c.sensor_id.in_(ids), ACTIVITY.c.stale_since.is_not(None)
            )
        )
    ).all()
    await _recover(session, outbox, stale, sensors, now)
    rows = [
        {
            "sensor_id": sensor_id,
            "last_seen_at": now,
            "last_observed_at": c.newest,
            "last_lag_s": (now - c.newest).total_seconds() if c.newest else None,
            "accepted": c.accepted,
            "duplicates": c.duplicates,
            "rejected": c.rejected,
            "stale_since": None,
            "updated_at": now,
        }
        for sensor_id, c in ((i, counts[i]) for i in ids)
    ]
    stmt: Any = sqlite_insert(ACTIVITY)
    t, new = ACTIVITY.c, stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.sensor_id],
        set_={
            "accepted": t.accepted + new.accepted,
            "duplicates": t.duplicates + new.duplicates,
            "rejected": t.rejected + new.rejected,
            "last_seen_at": new.last_seen_at,
            # A batch with nothing accepted leaves the last observation and lag as they were.
            "last_observed_at": func.coalesce(new.last_observed_at, t.last_observed_at),
            "last_lag_s": func.coalesce(new.last_lag_s, t.last_lag_s),
            "updated_at": new.updated_at,
        },
    )
    await session.execute(stmt, rows)


async def _recover(
    session: AsyncSession,
    outbox: Outbox,
    stale: Sequence[Any],
    sensors: Mapping[str, RegisteredSensor],
    now: datetime,
) -> None:
    """Clear the batch's sensors found stale (their ids and since when) and emit their
    ``sensor.recovered``."""
    for sensor_id, stale_since in stale:
        flipped = await session.execute(
            update(ACTIVITY)
            .where(ACTIVITY.c.sensor_id == sensor_id, ACTIVITY.c.stale_since.is_not(None))
            .values(stale_since=None)
        )
        sensor = sensors.get(sensor_id)
        if flipped.rowcount and sensor is not None:  # type: ignore[attr-defined]
            await outbox.add(
                session,
                SensorRecovered(
                    sensor_id=sensor_id,
                    gateway_id=sensor.gateway_id,
                    city=sensor.city,
                    stale_since=stale_since,
                    recovered_at=now,
                ),
                key=sensor_id,
            )


async def mark_stale(session: AsyncSession, outbox: Outbox, now: datetime) -> list[str]:
    """Flag every active sensor silent for longer than its expected interval; returns their ids."""
    a = ACTIVITY.c
    rows = (
        await session.execute(
            select(
                col(Sensor.id),
                col(Sensor.gateway_id),
                col(Sensor.city),
                col(Sensor.expected_interval_s),
                col(Sensor.created_at),
                a.last_seen_at,
            )
            .outerjoin(ACTIVITY, a.sensor_id == col(Sensor.id))
            .where(
                col(Sensor.status) == "active",
                col(Sensor.expected_interval_s).is_not(None),
                a.stale_since.is_(None),
            )
        )
    ).all()
    flagged: list[str] = []
    for sensor_id, gateway_id, city, interval_s, created_at, last_seen_at in rows:
        cutoff = now - timedelta(seconds=interval_s)
        if (last_seen_at or created_at) >= cutoff:
            continue
        await insert_ignoring_conflicts(
            session,
            ACTIVITY,
            [
                {
                    "sensor_id": sensor_id,
                    "accepted": 0,
                    "duplicates": 0,
                    "rejected": 0,
                    "updated_at": now,
                }
            ],
        )
        flipped = await session.execute(
            update(ACTIVITY)
            .where(
                a.sensor_id == sensor_id,
                a.stale_since.is_(None),
                (a.last_seen_at.is_(None)) | (a.last_seen_at < cutoff),
            )
            .values(stale_since=now)
        )
        if flipped.rowcount:  # type: ignore[attr-defined]
            flagged.append(sensor_id)
            await outbox.add(
                session,
                SensorStale(
                    sensor_id=sensor_id,
                    gateway_id=gateway_id,
                    city=city,
                    expected_interval_s=interval_s,
                    last_seen_at=last_seen_at,
                    detected_at=now,
                ),
                key=sensor_id,
            )
    return flagged


class ActivityMonitor(BackgroundTask):
    """Background task of each replica: finds stale sensors and purges expired records."""

    def __init__(self, db: Database, outbox: Outbox, interval_s: float) -> None:
        self.db = db
        self.outbox = outbox
        self.interval_s = interval_s
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    def start(self) -> None:
        self._start(self._run(), name="sensors-activity-monitor")

    async def _run(self) -> None:
        while True:
            try:
                await self.check_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("activity check failed; trying again next round")
            await asyncio.sleep(self.interval_s)

    async def check_once(self) -> list[str]:
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            stale = await mark_stale(session, self.outbox, now)
            if now - self._last_purge > timedelta(minutes=1):
                self._last_purge = now
                await purge_expired(session, now)
                await purge_old_windows(session, now)
        return stale
