from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.factors.models import EmissionFactor


class FactorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> Sequence[EmissionFactor]:
        query = select(EmissionFactor).where(col(EmissionFactor.is_current).is_(True))
        return (await self.session.execute(query.order_by(col(EmissionFactor.id)))).scalars().all()

    async def versions(self, factor_id: str) -> Sequence[EmissionFactor]:
        query = select(EmissionFactor).where(EmissionFactor.id == factor_id)
        return (
            (await self.session.execute(query.order_by(col(EmissionFactor.version))))
            .scalars()
            .all()
        )

    def add(self, factor: EmissionFactor) -> None:
        self.session.add(factor)
