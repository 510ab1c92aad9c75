"""Queries on partners; no commits here (the request's transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.partners.models import Partner


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: uuid.UUID) -> Partner | None:
        return await self.session.get(Partner, partner_id)

    async def get_by_organisation_number(self, city: str, number: str) -> Partner | None:
        query = select(Partner).where(Partner.city == city, Partner.organisation_number == number)
        return (await self.session.execute(query)).scalars().first()

    async def list(
        self,
        city: str | None = None,
        helix: str | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Partner]:
        query = select(Partner).order_by(col(Partner.city), col(Partner.name), col(Partner.id))
        if city is not None:
            query = query.where(Partner.city == city)
        if helix is not None:
            query = query.where(Partner.helix == helix)
        result = await self.session.execute(query.limit(limit).offset(offset))
        return result.scalars().all()

    def add(self, partner: Partner) -> None:
        self.session.add(partner)
