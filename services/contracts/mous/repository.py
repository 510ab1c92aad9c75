"""Queries on MoUs; no commits here (the request's transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.mous.models import Mou


class MouRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, mou_id: uuid.UUID) -> Mou | None:
        return await self.session.get(Mou, mou_id)

    async def get_by_title(self, partner_id: uuid.UUID, title: str) -> Mou | None:
        query = select(Mou).where(Mou.partner_id == partner_id, Mou.title == title)
        return (await self.session.execute(query)).scalars().first()

    async def list(
        self,
        city: str | None = None,
        status: str | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Mou]:
        query = select(Mou).order_by(col(Mou.city), col(Mou.drafted_at), col(Mou.id))
        if city is not None:
            query = query.where(Mou.city == city)
        if status is not None:
            query = query.where(Mou.status == status)
        result = await self.session.execute(query.limit(limit).offset(offset))
        return result.scalars().all()

    def add(self, mou: Mou) -> None:
        self.session.add(mou)

    async def mark_signed(
        self, mou: Mou, *, signatory: str, signed_on: date, signed_at: datetime
    ) -> bool:
        """Sign ``mou`` unless it is signed already; False when another signature won.

        A conditional UPDATE rather than read-then-write: on PostgreSQL a concurrent signer
        waits for our row lock and then finds the MoU no longer drafted.
        """
        result = await self.session.execute(
            update(Mou)
            .where(col(Mou.id) == mou.id, col(Mou.status) == "drafted")
            .values(status="signed", signatory=signatory, signed_on=signed_on, signed_at=signed_at)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            return False
        await self.session.refresh(mou)
        return True
