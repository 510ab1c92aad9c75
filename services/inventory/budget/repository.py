from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.budget.models import BudgetMeasure, BudgetPaceStatus, BudgetProjection


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- projections -------------------------------------------------------------------------

    async def projections(self, city: str, year: int) -> Sequence[BudgetProjection]:
        query = select(BudgetProjection).where(
            col(BudgetProjection.city) == city, col(BudgetProjection.year) == year
        )
        return (await self.session.execute(query)).scalars().all()

    async def replace_projections(
        self, city: str, year: int, rows: Sequence[BudgetProjection]
    ) -> None:
        await self.session.execute(
            delete(BudgetProjection).where(
                col(BudgetProjection.city) == city, col(BudgetProjection.year) == year
            )
        )
        self.session.add_all(rows)

    # --- measures ----------------------------------------------------------------------------

    async def measures(self, city: str, year: int) -> Sequence[BudgetMeasure]:
        query = (
            select(BudgetMeasure)
            .where(col(BudgetMeasure.city) == city, col(BudgetMeasure.year) == year)
            .order_by(col(BudgetMeasure.sector), col(BudgetMeasure.created_at))
        )
        return (await self.session.execute(query)).scalars().all()

    async def measure(self, measure_id: str) -> BudgetMeasure | None:
        return await self.session.get(BudgetMeasure, measure_id)

    def add_measure(self, measure: BudgetMeasure) -> None:
        self.session.add(measure)

    async def delete_measure(self, measure: BudgetMeasure) -> None:
        await self.session.delete(measure)

    # --- pace --------------------------------------------------------------------------------

    async def pace_statuses(self, city: str, year: int) -> dict[str, BudgetPaceStatus]:
        query = select(BudgetPaceStatus).where(
            col(BudgetPaceStatus.city) == city, col(BudgetPaceStatus.year) == year
        )
        return {row.sector: row for row in (await self.session.execute(query)).scalars().all()}

    async def save_pace_status(self, status: BudgetPaceStatus) -> None:
        await self.session.merge(status)
