from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.coverage.models import (
    CoverageStatement,
    SensorActivityMonth,
    SensorCoverage,
)
from shared.db import upsert_adding

ACTIVITY_MONTHS: Table = SensorActivityMonth.__table__  # type: ignore[attr-defined]
DECLARATIONS: Table = SensorCoverage.__table__  # type: ignore[attr-defined]


class CoverageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the city's statements -----------------------------------------------------------

    async def statements(
        self, city: str, gpc_reference: str | None = None
    ) -> Sequence[CoverageStatement]:
        s = CoverageStatement
        query = select(s).where(col(s.city) == city)
        if gpc_reference is not None:
            query = query.where(col(s.gpc_reference) == gpc_reference)
        query = query.order_by(col(s.gpc_reference), col(s.sensor_group))
        return (await self.session.execute(query)).scalars().all()

    async def statement(
        self, city: str, gpc_reference: str, sensor_group: str
    ) -> CoverageStatement | None:
        return await self.session.get(CoverageStatement, (city, gpc_reference, sensor_group))

    async def save_statement(self, statement: CoverageStatement) -> None:
        await self.session.merge(statement)

    async def delete_statement(self, statement: CoverageStatement) -> None:
        await self.session.delete(statement)

    # --- what sensors declare ------------------------------------------------------------

    async def declarations(
        self, city: str, gpc_reference: str | None = None
    ) -> Sequence[SensorCoverage]:
        d = SensorCoverage
        query = select(d).where(col(d.city) == city)
        if gpc_reference is not None:
            query = query.where(col(d.gpc_reference) == gpc_reference)
        return (await self.session.execute(query.order_by(col(d.sensor_id)))).scalars().all()

    async def declare(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert sensors' declarations; an older reading never overwrites a newer one."""
        await upsert_adding(
            self.session,
            DECLARATIONS,
            # Sorted: concurrent batches lock the rows in the same order (no deadlock).
            sorted(rows, key=lambda r: r["sensor_id"]),
            key=("sensor_id",),
            add=(),
            replace=("city", "gpc_reference", "coverage_group", "coverage_share", "declared_at"),
            unless_newer="declared_at",
        )

    # --- measured activity ---------------------------------------------------------------

    async def add_activity(self, rows: Sequence[dict[str, Any]]) -> None:
        await upsert_adding(
            self.session,
            ACTIVITY_MONTHS,
            # Sorted: concurrent batches lock the rows in the same order (no deadlock).
            sorted(
                rows,
                key=lambda r: (
                    r["city"],
                    r["gpc_reference"],
                    r["sensor_id"],
                    r["activity"],
                    r["month"],
                ),
            ),
            key=("city", "gpc_reference", "sensor_id", "activity", "month"),
            add=("readings", "activity_micro", "co2e_mg"),
            replace=("updated_at", "activity_unit"),
        )

    async def activity_months(
        self,
        city: str,
        periods: Sequence[tuple[datetime, datetime]],
        sectors: Sequence[str] | None = None,
    ) -> Sequence[SensorActivityMonth]:
        """A city's sensor-months whose month starts in any of the [start, end) periods (of
        the cells of ``sectors`` only, when given)."""
        m = SensorActivityMonth
        query = select(m).where(
            col(m.city) == city,
            or_(*[(col(m.month) >= start) & (col(m.month) < end) for start, end in periods]),
        )
        if sectors is not None:
            query = query.where(or_(*[col(m.gpc_reference).like(f"{s}.%") for s in sectors]))
        return (await self.session.execute(query)).scalars().all()
