from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from services.inventory.targets.models import ClimateTarget, TargetSector


class TargetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, city: str) -> ClimateTarget | None:
        query = select(ClimateTarget).where(
            col(ClimateTarget.city) == city, col(ClimateTarget.is_current).is_(True)
        )
        return (await self.session.execute(query)).scalars().first()

    async def get(self, city: str, version: int) -> ClimateTarget | None:
        return await self.session.get(ClimateTarget, (city, version))

    async def versions(self, city: str) -> Sequence[ClimateTarget]:
        query = (
            select(ClimateTarget)
            .where(col(ClimateTarget.city) == city)
            .order_by(col(ClimateTarget.version))
        )
        return (await self.session.execute(query)).scalars().all()

    async def latest_version(self, city: str) -> int:
        query = select(func.max(col(ClimateTarget.version))).where(col(ClimateTarget.city) == city)
        return (await self.session.execute(query)).scalar() or 0

    async def sectors(self, city: str, version: int) -> Sequence[TargetSector]:
        query = (
            select(TargetSector)
            .where(col(TargetSector.city) == city, col(TargetSector.version) == version)
            .order_by(col(TargetSector.sector))
        )
        rows = (await self.session.execute(query)).scalars().all()
        # Roman numerals do not sort as text (IV before V, but III after II): catalogue order.
        return sorted(rows, key=lambda s: SECTOR_ORDER.get(s.sector, 99))

    async def retire_current(self, city: str) -> None:
        await self.session.execute(
            update(ClimateTarget)
            .where(col(ClimateTarget.city) == city, col(ClimateTarget.is_current).is_(True))
            .values(is_current=False)
        )

    def add(self, target: ClimateTarget, sectors: Sequence[TargetSector]) -> None:
        self.session.add(target)
        self.session.add_all(sectors)


SECTOR_ORDER = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
