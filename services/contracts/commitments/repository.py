"""Queries on commitments; no commits here (the request's transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.commitments.models import Commitment


class CommitmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, commitment_id: uuid.UUID) -> Commitment | None:
        return await self.session.get(Commitment, commitment_id)

    async def of_mous(self, mou_ids: Sequence[uuid.UUID]) -> Sequence[Commitment]:
        if not mou_ids:
            return []
        query = (
            select(Commitment)
            .where(col(Commitment.mou_id).in_(mou_ids))
            .order_by(col(Commitment.due_by), col(Commitment.created_at), col(Commitment.id))
        )
        return (await self.session.execute(query)).scalars().all()

    async def of_partner(self, partner_id: uuid.UUID) -> Sequence[Commitment]:
        query = (
            select(Commitment)
            .where(Commitment.partner_id == partner_id)
            .order_by(col(Commitment.due_by), col(Commitment.id))
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, commitment: Commitment) -> None:
        self.session.add(commitment)

    async def delete(self, commitment: Commitment) -> None:
        await self.session.delete(commitment)
