"""Queries on invitations; no commits here (the request's transaction commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.contracts.invitations.models import PartnerInvitation


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invitation_id: uuid.UUID) -> PartnerInvitation | None:
        return await self.session.get(PartnerInvitation, invitation_id)

    async def get_by_code_hash(self, code_hash: str) -> PartnerInvitation | None:
        query = select(PartnerInvitation).where(PartnerInvitation.code_hash == code_hash)
        return (await self.session.execute(query)).scalars().first()

    async def of_partner(self, partner_id: uuid.UUID) -> Sequence[PartnerInvitation]:
        query = (
            select(PartnerInvitation)
            .where(PartnerInvitation.partner_id == partner_id)
            .order_by(col(PartnerInvitation.created_at), col(PartnerInvitation.id))
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, invitation: PartnerInvitation) -> None:
        self.session.add(invitation)

    async def mark_accepted(self, invitation: PartnerInvitation, now: datetime) -> bool:
        """Accept unless accepted, revoked or expired meanwhile: one conditional UPDATE, so two
        concurrent acceptances of one code cannot both win (the code is one-time)."""
        result = await self.session.execute(
            update(PartnerInvitation)
            .where(
                col(PartnerInvitation.id) == invitation.id,
                col(PartnerInvitation.accepted_at).is_(None),
                col(PartnerInvitation.revoked_at).is_(None),
                col(PartnerInvitation.expires_at) > now,
            )
            .values(accepted_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            return False
        await self.session.refresh(invitation)
        return True
