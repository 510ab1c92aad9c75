from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.inventory.accounting.models import AccountedReading, EmissionBucket


class AccountingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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

    async def reading(self, reading_id: str) -> AccountedReading | None:
        return await self.session.get(AccountedReading, reading_id)
