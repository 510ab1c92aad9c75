"""Writing a batch's lineage: one ``accounted_readings`` row per reading, one
``accounted_reading_parts`` row per part, and learning which readings were new.

The database decides what is new (the readings' primary key), so a replay, a retry or a second
replica can never count a reading twice; a replayed reading already has its parts, so parts are
written for the new readings only.

On PostgreSQL the rows go by binary ``COPY`` (asyncpg encodes each row with the columns' codecs;
SQLAlchemy's multi-row insert compiled and bound every parameter of every row in Python, 12 µs
per reading, docs/performance.md). Nearly every batch holds new readings only: they are copied
straight into the tables, inside a savepoint. A batch with a reading accounted before fails the
primary key there; the readings already stored are then looked up and left out, and the rest
copied straight in. Only if another transaction commits one of those in between does the batch
go through per-connection staging tables, from which one ``INSERT … SELECT … ON CONFLICT DO
NOTHING RETURNING reading_id`` inserts the new readings, its CTE their parts. Copying straight
in spares the backend the staging tables' writes and reads and the insert's conflict checks
(docs/performance.md). SQLite keeps the multi-row insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import Accounted
from services.inventory.accounting.models import AccountedPart, AccountedReading
from services.inventory.factors.models import EmissionFactor
from shared.db import insert_ignoring_conflicts

READINGS: Table = AccountedReading.__table__  # type: ignore[attr-defined]
PARTS: Table = AccountedPart.__table__  # type: ignore[attr-defined]

# The tables' own column order: LineageRows builds each tuple in it (COPY takes them as they are).
READING_COLUMNS: tuple[str, ...] = tuple(c.name for c in READINGS.columns)
PART_COLUMNS: tuple[str, ...] = tuple(c.name for c in PARTS.columns)
FactorLineage = tuple[str | None, int | None, int | None, str | None, str | None, str | None]
NO_FACTOR: FactorLineage = (None, None, None, None, None, None)


class LineageRows:
    """A batch's rows as tuples in column order. A factor's lineage columns are read from its
    ORM row once per batch, not once per reading and part."""

    def __init__(self) -> None:
        self._lineage: dict[int, FactorLineage] = {}

    def factor(self, f: EmissionFactor | None) -> FactorLineage:
        if f is None:
            return NO_FACTOR
        lineage = self._lineage.get(id(f))
        if lineage is None:
            lineage = (f.id, f.version, f.valid_from_year, f.source, f.gwp_set, f.gas)
            self._lineage[id(f)] = lineage
        return lineage

    def reading(self, a: Accounted, now: datetime) -> tuple[Any, ...]:
        r = a.reading
        activity = a.activity
        return (
            str(r.reading_id),
            r.sensor_id,
            r.city,
            r.gpc_reference,
            a.scope,
            a.hour,
            r.time,
            r.interval_end,
            activity.name if activity else "unknown",
            activity.value if activity else 0,
            activity.unit if activity else r.unit,
            *self.factor(a.factor),
            a.co2e_mg,
            a.status,
            now,
            a.bidding_zone,
            None,
        )

    def parts(self, a: Accounted, reading_id: str) -> list[tuple[Any, ...]]:
        r = a.reading
        activity = a.activity
        name = activity.name if activity else "unknown"
        unit = activity.unit if activity else r.unit
        return [
            (
                reading_id,
                p.index,
                r.city,
                r.gpc_reference,
                a.scope,
                p.hour,
                p.start,
                p.end,
                p.local_year,
                name,
                p.activity_value,
                unit,
                *self.factor(p.factor),
                p.co2e_mg,
                "no_activity" if activity is None else p.status,
                a.bidding_zone,
                None,
            )
            for p in a.parts
        ]


async def record_lineage(
    session: AsyncSession, accounted: Sequence[Accounted], now: datetime
) -> set[str]:
    """Insert the readings (one per reading id) and the parts of those not seen before;
    returns the ids of the new ones."""
    if not accounted:
        return set()
    rows = LineageRows()
    readings = [rows.reading(a, now) for a in accounted]
    if session.get_bind().dialect.name == "postgresql":
        return await _copy_and_insert(session, accounted, readings, rows)
    parts = [p for a, row in zip(accounted, readings, strict=True) for p in rows.parts(a, row[0])]
    inserted = await insert_ignoring_conflicts(
        session,
        READINGS,
        [dict(zip(READING_COLUMNS, row, strict=True)) for row in readings],
        returning=("reading_id",),
    )
    new = {row.reading_id for row in inserted}
    await insert_ignoring_conflicts(
        session,
        PARTS,
        [dict(zip(PART_COLUMNS, row, strict=True)) for row in parts if row[0] in new],
    )
    return new


class BatchParts:
    """The parts of a batch's readings as PostgreSQL takes them: a reading of one part (a point
    reading, or an interval within one clock hour) has a part that repeats its reading's row
    but for the city's local year, so only (reading id, local year) is sent and the database
    writes the part from the reading's row (``_PARTS_OF_ONE``); the parts of the readings over
    several hours are copied as rows. That spares a 22-column row's binary encoding per
    point reading (about 9 µs, docs/performance.md); ``tests/inventory/test_lineage_writes.py``
    compares the parts written either way with the rows ``LineageRows.parts`` gives."""

    def __init__(
        self, accounted: Sequence[Accounted], readings: list[tuple[Any, ...]], rows: LineageRows
    ) -> None:
        self.single_ids: list[str] = []
        self.single_years: list[int] = []
        self.rows: list[tuple[Any, ...]] = []
        for a, reading in zip(accounted, readings, strict=True):
            if len(a.parts) == 1:
                self.single_ids.append(reading[0])
                self.single_years.append(a.parts[0].local_year)
            else:
                self.rows.extend(rows.parts(a, reading[0]))

    def without(self, seen: set[str]) -> BatchParts:
        kept = BatchParts((), [], LineageRows())
        for reading_id, year in zip(self.single_ids, self.single_years, strict=True):
            if reading_id not in seen:
                kept.single_ids.append(reading_id)
                kept.single_years.append(year)
        kept.rows = [row for row in self.rows if row[0] not in seen]
        return kept


# The part of a one-part reading, from the reading's row: the same hour, activity, factor,
# milligrams, status and zone; it starts at the reading's time and ends at the end of its
# interval (at its time for a point reading, or an interval that ends where it starts).
_PARTS_OF_ONE = (
    f"INSERT INTO {PARTS.name} ({', '.join(PART_COLUMNS)}) "
    "SELECT r.reading_id, 0, r.city, r.gpc_reference, r.scope, r.hour, r.observed_at, "
    "CASE WHEN r.interval_end > r.observed_at THEN r.interval_end ELSE r.observed_at END, "
    "batch.local_year, r.activity, r.activity_value, r.activity_unit, r.factor_id, "
    "r.factor_version, r.factor_year, r.factor_source, r.gwp_set, r.gas, r.co2e_mg, r.status, "
    "r.bidding_zone, NULL "
    "FROM unnest($1::varchar[], $2::integer[]) AS batch(reading_id, local_year) "
    f"JOIN {READINGS.name} AS r ON r.reading_id = batch.reading_id"
)


STAGED_READINGS = f"{READINGS.name}_staged"
STAGED_PARTS = f"{PARTS.name}_staged"
_STAGE = (
    # Temporary tables of this connection, shaped like the real ones (LIKE: same columns, types
    # and NOT NULLs), emptied at every commit, and here before each batch in case one
    # transaction accounts twice.
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGED_READINGS} (LIKE {READINGS.name}) "
    "ON COMMIT DELETE ROWS; "
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGED_PARTS} (LIKE {PARTS.name}) ON COMMIT DELETE ROWS; "
    f"DELETE FROM {STAGED_READINGS}; DELETE FROM {STAGED_PARTS}"
)
_INSERT_STAGED = (
    # The parts' CTE sees the ids the readings' insert returned: parts of new readings only. A
    # new reading has no parts yet (they are written with it), so theirs is a plain insert: a
    # conflict there would be a broken invariant, and fails the batch instead of hiding it.
    f"WITH new AS (INSERT INTO {READINGS.name} ({', '.join(READING_COLUMNS)}) "
    f"SELECT {', '.join(READING_COLUMNS)} FROM {STAGED_READINGS} "
    "ON CONFLICT DO NOTHING RETURNING reading_id), "
    f"new_parts AS (INSERT INTO {PARTS.name} ({', '.join(PART_COLUMNS)}) "
    f"SELECT {', '.join(PART_COLUMNS)} FROM {STAGED_PARTS} "
    "WHERE reading_id IN (SELECT reading_id FROM new)) "
    "SELECT reading_id FROM new"
)


_ALREADY_ACCOUNTED = (
    # A join on the ids' array rather than "= ANY($1)": a prepared statement's generic plan made
    # while the table was small scans it then once per batch (a hash join), not once per id.
    f"SELECT r.reading_id FROM unnest($1::varchar[]) AS batch(reading_id) "
    f"JOIN {READINGS.name} AS r ON r.reading_id = batch.reading_id"
)


async def _copy_and_insert(
    session: AsyncSession,
    accounted: Sequence[Accounted],
    readings: list[tuple[Any, ...]],
    rows: LineageRows,
) -> set[str]:
    """PostgreSQL: binary ``COPY`` of the rows straight into the tables, in a savepoint. The
    readings' primary key refuses a reading accounted before (a replay, a retry, another
    replica's commit, which the copy waits for): the savepoint is then rolled back, the readings
    already accounted are left out and the others copied straight in again. Should one of those
    have been committed meanwhile (by another replica), the batch goes through the staging
    tables, where the insert keeps what is new. ``COPY`` encodes each row with the columns'
    codecs, with no per-parameter work in Python."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    parts = BatchParts(accounted, readings, rows)
    if await _copy_straight_in(pg, readings, parts):
        return {row[0] for row in readings}
    seen = {row[0] for row in await pg.fetch(_ALREADY_ACCOUNTED, [row[0] for row in readings])}
    kept = [i for i, row in enumerate(readings) if row[0] not in seen]
    if not kept:
        return set()
    readings = [readings[i] for i in kept]
    if await _copy_straight_in(pg, readings, parts.without(seen)):
        return {row[0] for row in readings}
    accounted = [accounted[i] for i in kept]
    every_part = [
        p for a, row in zip(accounted, readings, strict=True) for p in rows.parts(a, row[0])
    ]
    return await _stage_and_insert(pg, readings, every_part)


async def _copy_straight_in(pg: Any, readings: list[tuple[Any, ...]], parts: BatchParts) -> bool:
    """Copy the rows into the tables if none of the readings is accounted yet; False (and
    nothing written) if one is."""
    await pg.execute("SAVEPOINT lineage")
    try:
        await pg.copy_records_to_table(READINGS.name, records=readings, columns=READING_COLUMNS)
        if parts.rows:
            await pg.copy_records_to_table(PARTS.name, records=parts.rows, columns=PART_COLUMNS)
    except asyncpg.UniqueViolationError:
        await pg.execute("ROLLBACK TO SAVEPOINT lineage; RELEASE SAVEPOINT lineage")
        return False
    await pg.execute("RELEASE SAVEPOINT lineage")
    if parts.single_ids:
        await pg.execute(_PARTS_OF_ONE, parts.single_ids, parts.single_years)
    return True


async def _stage_and_insert(
    pg: Any, readings: list[tuple[Any, ...]], parts: list[tuple[Any, ...]]
) -> set[str]:
    """Readings of which some were committed by another transaction while this one ran: ``COPY``
    into the staging tables, then one statement inserts the readings where they are new
    (``ON CONFLICT DO NOTHING RETURNING``) and the parts of those."""
    await pg.execute(_STAGE)
    await pg.copy_records_to_table(STAGED_READINGS, records=readings, columns=READING_COLUMNS)
    if parts:
        await pg.copy_records_to_table(STAGED_PARTS, records=parts, columns=PART_COLUMNS)
    return {row[0] for row in await pg.fetch(_INSERT_STAGED)}
