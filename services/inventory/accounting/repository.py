from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.inventory.accounting.calculation import month_of
from services.inventory.accounting.models import AccountedReading, EmissionBucket, EmissionMonth
from services.inventory.cities.models import City
from shared.db import upsert_adding

BUCKETS: Table = EmissionBucket.__table__  # type: ignore[attr-defined]
MONTHS: Table = EmissionMonth.__table__  # type: ignore[attr-defined]
READINGS: Table = AccountedReading.__table__  # type: ignore[attr-defined]

BucketKey = tuple[str, str, int, datetime]
"""city, GPC reference, scope, UTC hour"""
BucketChanges = dict[BucketKey, list[int]]
"""What to add to each bucket: [readings, co2e_mg] (the mg may be negative after a revision)."""

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

    async def city_bidding_zones(self, cities: Iterable[str]) -> dict[str, str | None]:
        names = sorted(set(cities))
        if not names:
            return {}
        query = select(col(City.slug), col(City.bidding_zone)).where(col(City.slug).in_(names))
        return {slug: zone for slug, zone in (await self.session.execute(query)).all()}

    async def add_to_buckets(
        self, changes: Mapping[BucketKey, Sequence[int]], now: datetime
    ) -> None:
        """Add to the hourly buckets and their monthly roll-up in one go (exact integers, one
        atomic upsert per row, so concurrent batches never lose an addition)."""
        months: dict[BucketKey, list[int]] = {}
        for (city, ref, scope, hour), (n, mg) in changes.items():
            month = months.setdefault((city, ref, scope, month_of(hour)), [0, 0])
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

    async def readings_of_factor(
        self, factor_id: str, version: int, after: str, limit: int
    ) -> Sequence[AccountedReading]:
        """Accounted readings computed with one factor version, in reading-id pages."""
        r = AccountedReading
        query = (
            select(r)
            .where(
                col(r.factor_id) == factor_id,
                col(r.factor_version) == version,
                col(r.status) == "accounted",
                col(r.reading_id) > after,
            )
            .order_by(col(r.reading_id))
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    async def readings_without_factor(
        self, activity: str, after: str, limit: int
    ) -> Sequence[AccountedReading]:
        r = AccountedReading
        query = (
            select(r)
            .where(
                col(r.status) == "no_factor",
                col(r.activity) == activity,
                col(r.reading_id) > after,
            )
            .order_by(col(r.reading_id))
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    async def set_factor_of_readings(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rewrite the factor lineage and amount of readings, one executemany by primary key."""
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
            update(READINGS)
            .where(READINGS.c.reading_id == bindparam("p_reading_id"))
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
        """Per cell: readings and mg over whole UTC months in [start, end)."""
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
        r = AccountedReading
        query = (
            select(col(r.gas), func.sum(col(r.co2e_mg)))
            .where(
                col(r.city) == city,
                col(r.hour) >= start,
                col(r.hour) < end,
                col(r.co2e_mg).is_not(None),
            )
            .group_by(col(r.gas))
        )
        rows = (await self.session.execute(query)).all()
        return {str(gas or "CO2e"): int(mg or 0) for gas, mg in rows}

    async def lineage(
        self, city: str, gpc_reference: str, hour: datetime, limit: int, offset: int
    ) -> Sequence[AccountedReading]:
        r = AccountedReading
        query = (
            select(r)
            .where(col(r.city) == city, col(r.gpc_reference) == gpc_reference, col(r.hour) == hour)
            .order_by(col(r.observed_at), col(r.reading_id))
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).scalars().all()

    async def lineage_factors(self, city: str, gpc_reference: str, hour: datetime) -> Sequence[Any]:
        """The factor versions behind one bucket, with how many readings and mg each gave."""
        r = AccountedReading
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
