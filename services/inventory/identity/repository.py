"""Reads and writes of the identity tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.inventory.identity.models import IssuedToken, RevokedToken, ServiceAccount


class IdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account(self, client_id: str) -> ServiceAccount | None:
        return await self.session.get(ServiceAccount, client_id)

    async def accounts(self, city: str | None = None) -> Sequence[ServiceAccount]:
        query = select(ServiceAccount).order_by(col(ServiceAccount.created_at))
        if city is not None:
            query = query.where(col(ServiceAccount.city) == city)
        return (await self.session.execute(query)).scalars().all()

    async def live_tokens_of(self, client_id: str, now: datetime) -> Sequence[IssuedToken]:
        query = select(IssuedToken).where(
            col(IssuedToken.client_id) == client_id, col(IssuedToken.expires_at) > now
        )
        return (await self.session.execute(query)).scalars().all()

    async def revocation(self, jti: str) -> RevokedToken | None:
        return await self.session.get(RevokedToken, jti)

    async def revocations(self, now: datetime) -> Sequence[RevokedToken]:
        """Revocations still needed: of tokens that have not expired yet."""
        query = (
            select(RevokedToken)
            .where(or_(col(RevokedToken.expires_at).is_(None), col(RevokedToken.expires_at) > now))
            .order_by(col(RevokedToken.jti))
        )
        return (await self.session.execute(query)).scalars().all()
