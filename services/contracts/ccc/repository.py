"""Queries on CCC versions and their history; no commits here (the request's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.ccc.models import CccTransition, CccVersion


class CccRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, city: str, version: int) -> CccVersion | None:
        query = select(CccVersion).where(CccVersion.city == city, CccVersion.version == version)
        return (await self.session.execute(query)).scalars().first()

    async def versions(self, city: str) -> Sequence[CccVersion]:
        query = select(CccVersion).where(CccVersion.city == city).order_by(col(CccVersion.version))
        return (await self.session.execute(query)).scalars().all()

    async def newest(self, city: str) -> CccVersion | None:
        query = (
            select(CccVersion)
            .where(CccVersion.city == city)
            .order_by(col(CccVersion.version).desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalars().first()

    async def tracked(self, city: str) -> CccVersion | None:
        """The version whose actions are tracked: the newest awarded one, else the newest."""
        query = (
            select(CccVersion)
            .where(CccVersion.city == city, CccVersion.status == "label_awarded")
            .order_by(col(CccVersion.version).desc())
            .limit(1)
        )
        awarded = (await self.session.execute(query)).scalars().first()
        return awarded or await self.newest(city)

    async def cities(self) -> Sequence[str]:
        query = select(CccVersion.city).distinct().order_by(col(CccVersion.city))
        return (await self.session.execute(query)).scalars().all()

    def add(self, item: CccVersion | CccTransition) -> None:
        self.session.add(item)

    async def move(self, ccc: CccVersion, source: str, target: str, at: datetime) -> bool:
        """Set the status unless another request moved the version first (conditional
        UPDATE: on PostgreSQL the second writer waits for the row lock, then finds it moved)."""
        result = await self.session.execute(
            update(CccVersion)
            .where(col(CccVersion.id) == ccc.id, col(CccVersion.status) == source)
            .values(status=target, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            return False
        await self.session.refresh(ccc)
        return True

    async def history(self, city: str, version: int | None = None) -> Sequence[CccTransition]:
        query = select(CccTransition).where(CccTransition.city == city)
        if version is not None:
            query = query.where(CccTransition.version == version)
        query = query.order_by(col(CccTransition.id))
        return (await self.session.execute(query)).scalars().all()
