from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from services.inventory.cities.models import City


class CityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, slug: str) -> City | None:
        return await self.session.get(City, slug)

    async def list(self) -> Sequence[City]:
        return (await self.session.execute(select(City).order_by(City.name))).scalars().all()

    def add(self, city: City) -> None:
        self.session.add(city)
