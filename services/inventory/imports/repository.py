from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.imports.models import AgencyStatistic
from shared.db import upsert_adding

AGENCY: Table = AgencyStatistic.__table__  # type: ignore[attr-defined]
BATCH = 1_000


class AgencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        """A re-imported line replaces the one imported before (the agency revises its series)."""
        for start in range(0, len(rows), BATCH):
            await upsert_adding(
                self.session,
                AGENCY,
                rows[start : start + BATCH],
                key=("city", "year", "sector", "source"),
                add=(),
                replace=("co2e_mg", "imported_at", "imported_by"),
            )

    async def lines(self, city: str, year: int | None) -> Sequence[AgencyStatistic]:
        a = AgencyStatistic
        query = select(a).where(a.city == city)
        if year is not None:
            query = query.where(a.year == year)
        query = query.order_by(col(a.year), col(a.sector), col(a.source))
        return (await self.session.execute(query)).scalars().all()

    async def sector_totals(self, city: str, year: int) -> dict[str, int]:
        a = AgencyStatistic
        query = (
            select(col(a.sector), func.sum(col(a.co2e_mg)))
            .where(a.city == city, a.year == year)
            .group_by(col(a.sector))
        )
        return {sector: int(mg) for sector, mg in (await self.session.execute(query)).all()}
