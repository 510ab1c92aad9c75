"""Writing a batch's lineage: one ``accounted_readings`` row per reading, one
``accounted_reading_parts`` row per part, and learning which readings were new.

The database decides what is new (the readings' primary key), so a replay, a retry or a second
replica can never count a reading twice; a replayed reading already has its parts, so parts are
written for the new readings only.

On PostgreSQL the rows go by binary ``COPY`` (asyncpg encodes each row with the columns' codecs;
SQLAlchemy's multi-row insert compiled and bound every parameter of every row in Python, 12 µs
per reading, docs/performance.md) into a per-connection staging table, and from there by
``INSERT … SELECT`` into the tables, inside a savepoint. A reading of one part (a point reading,
or an interval within one clock hour) has a part that repeats its reading's row but for the
city's local year, so the staged row carries that year and the database writes the part from
it: no 22-column part row is encoded per point reading (about 9 µs, docs/performance.md), and
no reading is looked up again to write its part (the earlier ``INSERT … SELECT … JOIN`` on the
readings' key cost the backend about 2 µs per reading more than reading the staged rows). The
staged row leaves out what the database works out itself (the hour, the batch's
``accounted_at``), and carries the activity as text: asyncpg's encoder took 4.1-6.3 µs per
staged row with them, 1.5-2.3 without (``STAGED``). The parts of the readings over several hours
are copied as rows.

Nearly every batch holds new readings only. A batch whose first or last reading was accounted
before (a replay) and one that fails the primary key have the readings already stored looked up
and left out of the staging table, and the rest inserted straight in. Only if another transaction commits one of those in between
does the batch go through one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING reading_id``,
its CTE the parts of the new readings: the straight insert spares the backend the conflict
checks (docs/performance.md). SQLite keeps the multi-row insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
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

    def staged(self, a: Accounted) -> tuple[Any, ...]:
        """The reading's row in ``STAGED_COLUMNS`` (PostgreSQL's staging table)."""
        r = a.reading
        activity = a.activity
        parts = a.parts
        return (
            str(r.reading_id),
            r.sensor_id,
            r.city,
            r.gpc_reference,
            a.scope,
            r.time,
            r.interval_end,
            activity.name if activity else "unknown",
            str(activity.value) if activity else "0",
            activity.unit if activity else r.unit,
            *self.factor(a.factor),
            a.co2e_mg,
            a.status,
            a.bidding_zone,
            parts[0].local_year if len(parts) == 1 else None,
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
    if session.get_bind().dialect.name == "postgresql":
        return await _copy_and_insert(session, accounted, rows, now)
    readings = [rows.reading(a, now) for a in accounted]
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


STAGED = f"{READINGS.name}_batch"
"""The batch's readings as staged: a reading's row but for what the database works out itself
(its hour, from its time; the batch's ``accounted_at``; ``recalculated_at``, NULL), its activity
as text, and the local year of a one-part reading's part (NULL for the readings over several
hours, whose parts are copied as rows). Each left-out column spared asyncpg's binary encoder
a timestamp (about 0.5 µs a row) and the activity as text a ``numeric`` (0.9 µs against 0.1,
docs/performance.md)."""
_WORKED_OUT_IN_SQL = frozenset({"hour", "accounted_at", "recalculated_at"})
STAGED_COLUMNS: tuple[str, ...] = (
    *(name for name in READING_COLUMNS if name not in _WORKED_OUT_IN_SQL),
    "local_year",
)
_STAGED_TYPES = {"activity_value": "text", "local_year": "integer"}


def _staged_definition() -> str:
    # The readings' own column types (and NOT NULLs), but for the activity as text.
    columns = []
    for name in STAGED_COLUMNS:
        if name in _STAGED_TYPES:
            columns.append(f"{name} {_STAGED_TYPES[name]}")
            continue
        column = READINGS.c[name]
        kind = column.type.compile(dialect=postgresql.dialect())
        columns.append(f"{name} {kind}{'' if column.nullable else ' NOT NULL'}")
    return ", ".join(columns)


_STAGE = (
    # A temporary table of this connection, emptied at every commit, and here before each batch
    # in case one transaction accounts twice. It has no index and writes no WAL.
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGED} ({_staged_definition()}) "
    f"ON COMMIT DELETE ROWS; DELETE FROM {STAGED}"
)
# A staged row as the readings' row; $1 is the batch's accounted_at.
_READING_OF_STAGED = {
    "hour": "date_trunc('hour', s.observed_at, 'UTC')",
    "activity_value": "s.activity_value::numeric",
    "accounted_at": "$1::timestamptz",
    "recalculated_at": "NULL",
}
_STAGED_AS_READINGS = ", ".join(
    _READING_OF_STAGED.get(name, f"s.{name}") for name in READING_COLUMNS
)
_INSERT_READINGS = (
    f"INSERT INTO {READINGS.name} ({', '.join(READING_COLUMNS)}) "
    f"SELECT {_STAGED_AS_READINGS} FROM {STAGED} AS s"
)
# The part of a one-part reading (a point reading, or an interval within one clock hour), from
# its staged row: the same hour, activity, factor, milligrams, status and zone; it starts at the
# reading's time and ends at the end of its interval (at its time for a point reading, or an
# interval that ends where it starts).
_PART_OF_ONE = (
    "SELECT s.reading_id, 0, s.city, s.gpc_reference, s.scope, "
    "date_trunc('hour', s.observed_at, 'UTC'), s.observed_at, "
    "CASE WHEN s.interval_end > s.observed_at THEN s.interval_end ELSE s.observed_at END, "
    "s.local_year, s.activity, s.activity_value::numeric, s.activity_unit, s.factor_id, "
    "s.factor_version, s.factor_year, s.factor_source, s.gwp_set, s.gas, s.co2e_mg, s.status, "
    f"s.bidding_zone, NULL FROM {STAGED} AS s WHERE s.local_year IS NOT NULL"
)
_INSERT_PARTS_OF_ONE = f"INSERT INTO {PARTS.name} ({', '.join(PART_COLUMNS)}) {_PART_OF_ONE}"
_LEAVE_OUT = (
    f"DELETE FROM {STAGED} AS s USING unnest($1::varchar[]) AS seen(reading_id) "
    "WHERE s.reading_id = seen.reading_id"
)
_INSERT_NEW = (
    # The parts' CTE sees the ids the readings' insert returned: parts of new readings only. A
    # new reading has no parts yet (they are written with it), so theirs is a plain insert: a
    # conflict there would be a broken invariant, and fails the batch instead of hiding it.
    f"WITH new AS (INSERT INTO {READINGS.name} ({', '.join(READING_COLUMNS)}) "
    f"SELECT {_STAGED_AS_READINGS} FROM {STAGED} AS s "
    "ON CONFLICT DO NOTHING RETURNING reading_id), "
    f"new_parts AS (INSERT INTO {PARTS.name} ({', '.join(PART_COLUMNS)}) {_PART_OF_ONE} "
    "AND s.reading_id IN (SELECT reading_id FROM new)) "
    "SELECT reading_id FROM new"
)
# A replay (a restart, a rebalance) repeats whole fetches: told by the batch's first or last
# reading, it is looked up at once instead of failing the straight insert, which would leave an
# ERROR line in the server's log per replayed batch.
_ANY_ACCOUNTED = (
    f"SELECT EXISTS (SELECT 1 FROM {READINGS.name} WHERE reading_id IN ($1::varchar, $2::varchar))"
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
    rows: LineageRows,
    now: datetime,
) -> set[str]:
    """PostgreSQL: binary ``COPY`` of the batch's readings into the staging table, then
    ``INSERT … SELECT`` into the tables, in a savepoint: the readings, the parts of the
    one-part readings from the same staged rows (no lookup of the readings just written), and
    the parts of the others copied as rows. The readings' primary key refuses a reading
    accounted before (a replay, a retry, another replica's commit, which the insert waits for):
    the savepoint is then rolled back, the readings already accounted are left out of the
    staging table and the rest inserted again. Should one of those have been committed
    meanwhile (by another replica), one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` keeps what
    is new. ``COPY`` encodes each row with the columns' codecs, with no per-parameter work in
    Python."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    staged = [rows.staged(a) for a in accounted]
    multi_part = [
        part
        for a, row in zip(accounted, staged, strict=True)
        if len(a.parts) != 1
        for part in rows.parts(a, row[0])
    ]
    await pg.execute(_STAGE)
    await pg.copy_records_to_table(STAGED, records=staged, columns=STAGED_COLUMNS)
    ids = [row[0] for row in staged]
    if not await pg.fetchval(_ANY_ACCOUNTED, ids[0], ids[-1]) and await _insert_straight_in(
        pg, multi_part, now
    ):
        return set(ids)
    seen = [row[0] for row in await pg.fetch(_ALREADY_ACCOUNTED, ids)]
    if len(seen) == len(ids):
        return set()
    await pg.execute(_LEAVE_OUT, seen)
    left_out = set(seen)
    multi_part = [row for row in multi_part if row[0] not in left_out]
    if await _insert_straight_in(pg, multi_part, now):
        return {i for i in ids if i not in left_out}
    new = {row[0] for row in await pg.fetch(_INSERT_NEW, now)}
    new_parts = [row for row in multi_part if row[0] in new]
    if new_parts:
        await pg.copy_records_to_table(PARTS.name, records=new_parts, columns=PART_COLUMNS)
    return new


async def _insert_straight_in(pg: Any, multi_part: list[tuple[Any, ...]], now: datetime) -> bool:
    """Insert the staged readings and their parts if none of them is accounted yet; False (and
    nothing written) if one is."""
    await pg.execute("SAVEPOINT lineage")
    try:
        await pg.execute(_INSERT_READINGS, now)
    except asyncpg.UniqueViolationError:
        await pg.execute("ROLLBACK TO SAVEPOINT lineage; RELEASE SAVEPOINT lineage")
        return False
    await pg.execute("RELEASE SAVEPOINT lineage")
    # The readings are new in this transaction: their parts cannot be there yet.
    if multi_part:
        await pg.copy_records_to_table(PARTS.name, records=multi_part, columns=PART_COLUMNS)
    await pg.execute(_INSERT_PARTS_OF_ONE)
    return True
