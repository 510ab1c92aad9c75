from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, literal_column, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.inventory.accounting.calculation import month_of
from services.inventory.accounting.models import (
    NO_FACTOR,
    AccountedPart,
    AccountedReading,
    EmissionBucket,
    EmissionGasMonth,
    EmissionMonth,
)
from services.inventory.cities.models import City
from shared.db import upsert_adding
from shared.localtime import DEFAULT_TIME_ZONE

BUCKETS: Table = EmissionBucket.__table__  # type: ignore[attr-defined]
MONTHS: Table = EmissionMonth.__table__  # type: ignore[attr-defined]
READINGS: Table = AccountedReading.__table__  # type: ignore[attr-defined]
PARTS: Table = AccountedPart.__table__  # type: ignore[attr-defined]
GAS_MONTHS: Table = EmissionGasMonth.__table__  # type: ignore[attr-defined]

BucketKey = tuple[str, str, int, datetime]
"""city, GPC reference, scope, UTC hour"""
BucketChanges = dict[BucketKey, list[int]]
"""What to add to each bucket: [readings, co2e_mg] (the mg may be negative after a revision)."""
GasKey = tuple[str, str | None, datetime]
"""city, gas of the factor (None counts as CO2e), UTC hour"""
GasChanges = dict[GasKey, list[int]]
"""What to add to a gas in an hour's local month: [parts, co2e_mg] (negative where a
recalculation moves parts to another gas)."""

_FACTOR_BOOK_LOCK = zlib.crc32(b"klimaby-inventory-factor-book")


async def lock_factor_book(session: AsyncSession, *, exclusive: bool) -> None:
    """Order accounting against factor changes, for the rest of the transaction.

    Accounting batches take it shared (they run side by side); a factor revision, or a factor
    that readings were waiting for, takes it exclusive, so it waits for the batches that read
    the old factors to commit and then sees their readings. SQLite needs nothing: its
    transactions begin IMMEDIATE and already run one at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {fn}(:key)"), {"key": _FACTOR_BOOK_LOCK})


class AccountingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- writes ------------------------------------------------------------------------------

    async def city_settings(self, cities: Iterable[str]) -> dict[str, tuple[str | None, str]]:
        """Per city: its bidding zone and its time zone (one query for a whole batch)."""
        names = sorted(set(cities))
        if not names:
            return {}
        query = select(col(City.slug), col(City.bidding_zone), col(City.time_zone)).where(
            col(City.slug).in_(names)
        )
        return {
            slug: (zone, tz or DEFAULT_TIME_ZONE)
            for slug, zone, tz in (await self.session.execute(query)).all()
        }

    async def city_bidding_zones(self, cities: Iterable[str]) -> dict[str, str | None]:
        return {slug: zone for slug, (zone, _tz) in (await self.city_settings(cities)).items()}

    async def time_zones(self, cities: Iterable[str]) -> dict[str, str]:
        return {slug: tz for slug, (_zone, tz) in (await self.city_settings(cities)).items()}

    async def time_zone(self, city: str) -> str:
        """The city's zone; Norway's calendar for a city not (yet) registered."""
        return (await self.time_zones([city])).get(city, DEFAULT_TIME_ZONE)

    async def add_to_buckets(
        self,
        changes: Mapping[BucketKey, Sequence[int]],
        now: datetime,
        time_zones: Mapping[str, str] | None = None,
    ) -> None:
        """Add to the hourly buckets and their monthly roll-up (the city's local months) in one
        go (exact integers, one atomic upsert per row, so concurrent batches never lose an
        addition)."""
        zones = dict(time_zones or {})
        missing = {city for city, *_rest in changes} - zones.keys()
        if missing:
            zones.update(await self.time_zones(missing))
        months: dict[BucketKey, list[int]] = {}
        for (city, ref, scope, hour), (n, mg) in changes.items():
            tz = zones.get(city, DEFAULT_TIME_ZONE)
            month = months.setdefault((city, ref, scope, month_of(hour, tz)), [0, 0])
            month[0] += n
            month[1] += mg
        for table, column, rows in (
            (BUCKETS, "hour", changes),
            (MONTHS, "month", months),
        ):
            await upsert_adding(
                self.session,
                table,
                [
                    {
                        "city": city,
                        "gpc_reference": ref,
                        "scope": scope,
                        column: moment,
                        "readings": n,
                        "co2e_mg": mg,
                        "updated_at": now,
                    }
                    # Sorted: concurrent batches lock the rows in the same order (no deadlock).
                    for (city, ref, scope, moment), (n, mg) in sorted(rows.items())
                ],
                key=("city", "gpc_reference", "scope", column),
                add=("readings", "co2e_mg"),
                replace=("updated_at",),
            )

    async def add_to_gas_months(
        self, changes: Mapping[GasKey, Sequence[int]], now: datetime, time_zones: Mapping[str, str]
    ) -> None:
        """Add to the roll-up per city, local month and gas (the GPC view's breakdown by gas),
        in the caller's transaction: one atomic upsert per row, like the buckets."""
        months: dict[tuple[str, datetime, str], list[int]] = {}
        for (city, gas, hour), (n, mg) in changes.items():
            key = (city, month_of(hour, time_zones.get(city, DEFAULT_TIME_ZONE)), gas or "CO2e")
            month = months.setdefault(key, [0, 0])
            month[0] += n
            month[1] += mg
        await upsert_adding(
            self.session,
            GAS_MONTHS,
            [
                {
                    "city": city,
                    "month": month,
                    "gas": gas,
                    "parts": n,
                    "co2e_mg": mg,
                    "updated_at": now,
                }
                # Sorted: concurrent batches lock the rows in the same order (no deadlock).
                for (city, month, gas), (n, mg) in sorted(months.items())
            ],
            key=("city", "month", "gas"),
            add=("parts", "co2e_mg"),
            replace=("updated_at",),
        )

    async def readings_of_factor(
        self, factor_id: str, version: int, after: str, limit: int
    ) -> Sequence[AccountedPart]:
        """The parts computed with one factor version, of a page of readings (by reading id):
        all such parts of a reading come in the same page, so they are recomputed together."""
        p = AccountedPart
        where = (
            col(p.factor_id) == factor_id,
            col(p.factor_version) == version,
            col(p.status) == "accounted",
        )
        return await self._parts_in_pages(where, after, limit)

    async def readings_without_factor(
        self, activity: str, after: str, limit: int
    ) -> Sequence[AccountedPart]:
        p = AccountedPart
        # The status written into the SQL, not bound: a prepared statement's generic plan can
        # then use the partial index of the parts waiting for a factor (ix_part_no_factor).
        where = (col(p.status) == literal_column(f"'{NO_FACTOR}'"), col(p.activity) == activity)
        return await self._parts_in_pages(where, after, limit)

    async def _parts_in_pages(
        self, where: tuple[Any, ...], after: str, limit: int
    ) -> Sequence[AccountedPart]:
        p = AccountedPart
        ids = (
            select(col(p.reading_id))
            .where(*where, col(p.reading_id) > after)
            .group_by(col(p.reading_id))
            .order_by(col(p.reading_id))
            .limit(limit)
            .subquery()
        )
        query = (
            select(p)
            .where(*where, col(p.reading_id).in_(select(ids.c.reading_id)))
            .order_by(col(p.reading_id), col(p.part))
        )
        return (await self.session.execute(query)).scalars().all()

    async def parts_of(self, reading_ids: Iterable[str]) -> Sequence[AccountedPart]:
        ids = sorted(set(reading_ids))
        if not ids:
            return []
        p = AccountedPart
        query = (
            select(p)
            .where(col(p.reading_id).in_(ids))
            .order_by(col(p.reading_id), col(p.part))
            # The parts were just rewritten by key (core UPDATE): read them afresh.
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalars().all()

    async def set_factor_of_parts(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rewrite the factor lineage and amount of parts, one executemany by primary key."""
        await self._update_by_key(PARTS, ("reading_id", "part"), rows)

    async def set_factor_of_readings(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rewrite the factor lineage and amount of readings, one executemany by primary key."""
        await self._update_by_key(READINGS, ("reading_id",), rows)

    async def _update_by_key(
        self, table: Table, key: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        if not rows:
            return
        columns = (
            "factor_id",
            "factor_version",
            "factor_year",
            "factor_source",
            "gwp_set",
            "gas",
            "co2e_mg",
            "status",
            "recalculated_at",
        )
        # Bound names differ from the column names: SQLAlchemy reserves those for SET.
        stmt = (
            update(table)
            .where(*(table.c[k] == bindparam(f"p_{k}") for k in key))
            .values({name: bindparam(f"p_{name}") for name in columns})
        )
        conn = await self.session.connection()
        await conn.execute(stmt, [{f"p_{k}": v for k, v in row.items()} for row in rows])

    # --- reads -------------------------------------------------------------------------------

    async def cell_totals(
        self, city: str, start: datetime | None, end: datetime | None
    ) -> Sequence[Row[str, int, int, int]]:
        b = EmissionBucket
        query = (
            select(
                col(b.gpc_reference),
                col(b.scope),
                func.sum(col(b.readings)),
                func.sum(col(b.co2e_mg)),
            )
            .where(col(b.city) == city)
            .group_by(col(b.gpc_reference), col(b.scope))
            .order_by(col(b.gpc_reference), col(b.scope))
        )
        if start:
            query = query.where(col(b.hour) >= start)
        if end:
            query = query.where(col(b.hour) < end)
        return (await self.session.execute(query)).all()

    async def month_cell_totals(
        self, city: str, start: datetime, end: datetime
    ) -> Sequence[Row[str, int, int, int]]:
        """Per cell: readings and mg over whole local months (keyed by their first instant, in
        UTC) in [start, end)."""
        m = EmissionMonth
        query = (
            select(
                col(m.gpc_reference),
                col(m.scope),
                func.sum(col(m.readings)),
                func.sum(col(m.co2e_mg)),
            )
            .where(col(m.city) == city, col(m.month) >= start, col(m.month) < end)
            .group_by(col(m.gpc_reference), col(m.scope))
            .order_by(col(m.gpc_reference), col(m.scope))
        )
        return (await self.session.execute(query)).all()

    async def months(self, city: str, start: datetime, end: datetime) -> Sequence[EmissionMonth]:
        """The monthly roll-up rows of a city in [start, end): at most 12 per cell and year."""
        m = EmissionMonth
        query = (
            select(m)
            .where(col(m.city) == city, col(m.month) >= start, col(m.month) < end)
            .order_by(col(m.month), col(m.gpc_reference), col(m.scope))
        )
        return (await self.session.execute(query)).scalars().all()

    async def buckets(
        self,
        city: str,
        start: datetime | None,
        end: datetime | None,
        gpc_reference: str | None,
        limit: int,
    ) -> Sequence[EmissionBucket]:
        b = EmissionBucket
        query = select(b).where(col(b.city) == city)
        if start:
            query = query.where(col(b.hour) >= start)
        if end:
            query = query.where(col(b.hour) < end)
        if gpc_reference:
            query = query.where(col(b.gpc_reference) == gpc_reference)
        query = query.order_by(col(b.hour).desc(), col(b.gpc_reference)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def gas_totals(self, city: str, start: datetime, end: datetime) -> dict[str, int]:
        """CO2e mg per gas over whole local months (keyed by their first instant, in UTC) in
        [start, end), from the roll-up: at most twelve rows per gas and year. A gas shows when
        some accounted part has it (a revision may have moved all of a gas's parts away)."""
        g = EmissionGasMonth
        query = (
            select(col(g.gas), func.sum(col(g.co2e_mg)))
            .where(col(g.city) == city, col(g.month) >= start, col(g.month) < end)
            .group_by(col(g.gas))
            .having(func.sum(col(g.parts)) > 0)
        )
        rows = (await self.session.execute(query)).all()
        return {str(gas): int(mg or 0) for gas, mg in rows}

    async def lineage(
        self, city: str, gpc_reference: str, hour: datetime, limit: int, offset: int
    ) -> Sequence[Row[AccountedPart, AccountedReading]]:
        """The parts in one hourly bucket, each with its reading."""
        p, r = AccountedPart, AccountedReading
        query = (
            select(p, r)
            .join(r, col(r.reading_id) == col(p.reading_id))
            .where(col(p.city) == city, col(p.gpc_reference) == gpc_reference, col(p.hour) == hour)
            .order_by(col(r.observed_at), col(p.reading_id))
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).all()

    async def lineage_factors(self, city: str, gpc_reference: str, hour: datetime) -> Sequence[Any]:
        """The factor versions behind one bucket, with how many readings (parts: a reading has
        at most one per hour) and mg each gave."""
        r = AccountedPart
        query = (
            select(
                col(r.factor_id),
                col(r.factor_version),
                col(r.factor_year),
                col(r.factor_source),
                col(r.gwp_set),
                col(r.gas),
                col(r.status),
                func.count().label("readings"),
                func.coalesce(func.sum(col(r.co2e_mg)), 0).label("co2e_mg"),
            )
            .where(col(r.city) == city, col(r.gpc_reference) == gpc_reference, col(r.hour) == hour)
            .group_by(
                col(r.factor_id),
                col(r.factor_version),
                col(r.factor_year),
                col(r.factor_source),
                col(r.gwp_set),
                col(r.gas),
                col(r.status),
            )
            .order_by(col(r.factor_id), col(r.factor_version))
        )
        return (await self.session.execute(query)).all()

    async def reading(self, reading_id: str) -> AccountedReading | None:
        return await self.session.get(AccountedReading, reading_id)
