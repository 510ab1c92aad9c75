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
from typing import Any

from sqlalchemy import Table, func, select, update
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
    sensors: Mapping[str, Sensor],
    now: datetime,
) -> None:
    """Add a batch's counts, mark its sensors seen, and emit ``sensor.recovered`` for any that
    were stale."""
    if not counts:
        return
    ids = sorted(counts)
    await _recover(session, outbox, ids, sensors, now)
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
    stmt: Any
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(ACTIVITY)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(ACTIVITY)
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
    ids: Sequence[str],
    sensors: Mapping[str, Sensor],
    now: datetime,
) -> None:
    stale = (
        await session.execute(
            select(ACTIVITY.c.sensor_id, ACTIVITY.c.stale_since).where(
                ACTIVITY.c.sensor_id.in_(ids), ACTIVITY.c.stale_since.is_not(None)
            )
        )
    ).all()
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
