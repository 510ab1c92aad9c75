from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.models import AccountedReading, EmissionBucket


class AccountingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cell_totals(
        self, city: str, start: datetime | None, end: datetime | None
    ) -> Sequence[Row[tuple[str, int, int, int]]]:
        b = EmissionBucket
        query = (
            select(b.gpc_reference, b.scope, func.sum(b.readings), func.sum(b.co2e_mg))
            .where(b.city == city)
            .group_by(b.gpc_reference, b.scope)
            .order_by(b.gpc_reference, b.scope)
        )
        if start:
            query = query.where(b.hour >= start)
        if end:
            query = query.where(b.hour < end)
        return (await self.session.execute(query)).all()  # type: ignore[return-value]

    async def buckets(
        self,
        city: str,
        start: datetime | None,
        end: datetime | None,
        gpc_reference: str | None,
        limit: int,
    ) -> Sequence[EmissionBucket]:
        b = EmissionBucket
        query = select(b).where(b.city == city)
        if start:
            query = query.where(b.hour >= start)
        if end:
            query = query.where(b.hour < end)
        if gpc_reference:
            query = query.where(b.gpc_reference == gpc_reference)
        query = query.order_by(b.hour.desc(), b.gpc_reference).limit(limit)  # type: ignore[attr-defined]
        return (await self.session.execute(query)).scalars().all()

    async def lineage(
        self, city: str, gpc_reference: str, hour: datetime, limit: int, offset: int
    ) -> Sequence[AccountedReading]:
        r = AccountedReading
        query = (
            select(r)
            .where(r.city == city, r.gpc_reference == gpc_reference, r.hour == hour)
            .order_by(r.observed_at, r.reading_id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).scalars().all()

    async def reading(self, reading_id: str) -> AccountedReading | None:
        return await self.session.get(AccountedReading, reading_id)
