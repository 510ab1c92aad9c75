"""Queries on MoUs, their signatures and their history; no commits here (the request's
transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.mous.models import Mou, MouSignature, MouTransition


class MouRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, mou_id: uuid.UUID, *, for_update: bool = False) -> Mou | None:
        """``for_update`` locks the row on PostgreSQL: the two signatures of one MoU, or two
        transitions, are then applied one after the other (SQLite serialises writers anyway)."""
        if for_update:
            query = select(Mou).where(col(Mou.id) == mou_id).with_for_update()
            return (await self.session.execute(query)).scalars().first()
        return await self.session.get(Mou, mou_id)

    async def get_by_title(self, partner_id: uuid.UUID, title: str) -> Mou | None:
        query = select(Mou).where(Mou.partner_id == partner_id, Mou.title == title)
        return (await self.session.execute(query)).scalars().first()

    async def renewal_of(self, mou_id: uuid.UUID) -> Mou | None:
        query = select(Mou).where(Mou.renews_mou_id == mou_id)
        return (await self.session.execute(query)).scalars().first()

    async def list(
        self,
        city: str | None = None,
        status: str | None = None,
        partner_id: uuid.UUID | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Mou]:
        query = select(Mou).order_by(col(Mou.city), col(Mou.proposed_at), col(Mou.id))
        if city is not None:
            query = query.where(Mou.city == city)
        if status is not None:
            query = query.where(Mou.status == status)
        if partner_id is not None:
            query = query.where(Mou.partner_id == partner_id)
        result = await self.session.execute(query.limit(limit).offset(offset))
        return result.scalars().all()

    def add(self, row: Mou | MouSignature | MouTransition) -> None:
        self.session.add(row)

    async def signatures(self, mou_ids: Sequence[uuid.UUID]) -> Sequence[MouSignature]:
        if not mou_ids:
            return []
        query = (
            select(MouSignature)
            .where(col(MouSignature.mou_id).in_(mou_ids))
            .order_by(col(MouSignature.signed_at), col(MouSignature.side))
        )
        return (await self.session.execute(query)).scalars().all()

    async def transitions(self, mou_ids: Sequence[uuid.UUID]) -> Sequence[MouTransition]:
        if not mou_ids:
            return []
        query = (
            select(MouTransition)
            .where(col(MouTransition.mou_id).in_(mou_ids))
            .order_by(col(MouTransition.changed_at), col(MouTransition.id))
        )
        return (await self.session.execute(query)).scalars().all()

    async def renewals(self, mou_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Renewed MoU id → the id of the MoU that continues it."""
        if not mou_ids:
            return {}
        query = select(col(Mou.renews_mou_id), col(Mou.id)).where(
            col(Mou.renews_mou_id).in_(mou_ids)
        )
        rows = (await self.session.execute(query)).all()
        return {old: new for old, new in rows if old is not None}
