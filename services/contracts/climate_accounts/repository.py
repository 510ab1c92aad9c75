"""Queries on climate accounts; no commits here (the request's transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.climate_accounts.models import ClimateAccount


class ClimateAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: uuid.UUID, year: int) -> ClimateAccount | None:
        query = select(ClimateAccount).where(
            ClimateAccount.partner_id == partner_id, ClimateAccount.year == year
        )
        return (await self.session.execute(query)).scalars().first()

    async def of_partner(
        self, partner_id: uuid.UUID, *, published_only: bool
    ) -> Sequence[ClimateAccount]:
        query = (
            select(ClimateAccount)
            .where(ClimateAccount.partner_id == partner_id)
            .order_by(col(ClimateAccount.year))
        )
        if published_only:
            query = query.where(col(ClimateAccount.published).is_(True))
        return (await self.session.execute(query)).scalars().all()

    def add(self, account: ClimateAccount) -> None:
        self.session.add(account)
