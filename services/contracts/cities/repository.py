"""Queries on known cities; no commits here (the request's or the batch's transaction commits)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.models import KnownCity


class KnownCityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, slug: str) -> KnownCity | None:
        return await self.session.get(KnownCity, slug)

    def add(self, city: KnownCity) -> None:
        self.session.add(city)
