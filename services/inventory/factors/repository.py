from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.factors.models import EmissionFactor


class FactorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> Sequence[EmissionFactor]:
        query = select(EmissionFactor).where(col(EmissionFactor.is_current).is_(True))
        return (await self.session.execute(query.order_by(col(EmissionFactor.id)))).scalars().all()

    async def search(
        self,
        *,
        activity: str | None = None,
        region: str | None = None,
        year: int | None = None,
        gpc_reference: str | None = None,
        current: bool | None = True,
    ) -> Sequence[EmissionFactor]:
        f = EmissionFactor
        query = select(f)
        if current is not None:
            query = query.where(col(f.is_current).is_(current))
        if activity:
            query = query.where(col(f.activity) == activity)
        if region:
            query = query.where(col(f.region) == region)
        if year is not None:
            query = query.where(
                col(f.valid_from_year) <= year,
                or_(col(f.valid_to_year).is_(None), col(f.valid_to_year) >= year),
            )
        rows = (
            (await self.session.execute(query.order_by(col(f.id), col(f.version)))).scalars().all()
        )
        # gpc_references is a JSON list: filtered here, the same way on SQLite and PostgreSQL.
        if gpc_reference:
            rows = [r for r in rows if gpc_reference in r.gpc_references]
        return rows

    async def versions(self, factor_id: str) -> Sequence[EmissionFactor]:
        query = select(EmissionFactor).where(EmissionFactor.id == factor_id)
        return (
            (await self.session.execute(query.order_by(col(EmissionFactor.version))))
            .scalars()
            .all()
        )

    async def get(self, factor_id: str, version: int) -> EmissionFactor | None:
        return await self.session.get(EmissionFactor, (factor_id, version))

    async def current_version(
        self, factor_id: str, *, for_update: bool = False
    ) -> EmissionFactor | None:
        query = select(EmissionFactor).where(
            EmissionFactor.id == factor_id, col(EmissionFactor.is_current).is_(True)
        )
        if for_update:
            # Two revisions at once must not both supersede the same version.
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def exists(self, factor_id: str) -> bool:
        query = select(col(EmissionFactor.id)).where(EmissionFactor.id == factor_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def newer_year(self, factor: EmissionFactor, up_to_year: int) -> EmissionFactor | None:
        """The newest current factor of the same activity, region and gas whose year is after
        ``factor``'s and no later than ``up_to_year``: the one that supersedes it then."""
        f = EmissionFactor
        query = (
            select(f)
            .where(
                col(f.is_current).is_(True),
                col(f.activity) == factor.activity,
                col(f.region) == factor.region,
                col(f.gas) == factor.gas,
                col(f.valid_from_year) > factor.valid_from_year,
                col(f.valid_from_year) <= up_to_year,
            )
            .order_by(col(f.valid_from_year).desc(), col(f.id))
            .limit(1)
        )
        return (await self.session.execute(query)).scalars().first()

    async def open_ended_before(self, factor: EmissionFactor) -> Sequence[EmissionFactor]:
        """Current factors of the same activity, region and gas from an earlier year, still
        open-ended: a factor of a newer year supersedes them."""
        f = EmissionFactor
        query = select(f).where(
            col(f.is_current).is_(True),
            col(f.activity) == factor.activity,
            col(f.region) == factor.region,
            col(f.gas) == factor.gas,
            col(f.valid_from_year) < factor.valid_from_year,
            col(f.valid_to_year).is_(None),
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, factor: EmissionFactor) -> None:
        self.session.add(factor)
