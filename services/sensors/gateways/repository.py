from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.sensors.gateways.models import Gateway, GatewayKey


class GatewayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, gateway_id: str) -> Gateway | None:
        return await self.session.get(Gateway, gateway_id)

    async def list(
        self,
        city: str | None,
        status: str | None = None,
        q: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> Sequence[Gateway]:
        query = select(Gateway).order_by(col(Gateway.city), col(Gateway.name), col(Gateway.id))
        if city:
            query = query.where(Gateway.city == city)
        if status:
            query = query.where(Gateway.status == status)
        if q:
            needle = q.lower()
            query = query.where(
                or_(
                    func.lower(col(Gateway.id)).contains(needle, autoescape=True),
                    func.lower(col(Gateway.name)).contains(needle, autoescape=True),
                )
            )
        query = query.limit(limit).offset(offset)
        return (await self.session.execute(query)).scalars().all()

    async def key(self, key_id: str) -> GatewayKey | None:
        return await self.session.get(GatewayKey, key_id)

    async def key_with_gateway(self, key_id: str) -> tuple[GatewayKey, Gateway] | None:
        """One round trip for the hot path: the key and its gateway."""
        row = (
            await self.session.execute(
                select(GatewayKey, Gateway)
                .join(Gateway, col(Gateway.id) == col(GatewayKey.gateway_id))
                .where(GatewayKey.id == key_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def keys(self, gateway_id: str) -> Sequence[GatewayKey]:
        query = (
            select(GatewayKey)
            .where(GatewayKey.gateway_id == gateway_id)
            .order_by(col(GatewayKey.created_at), col(GatewayKey.id))
        )
        return (await self.session.execute(query)).scalars().all()

    async def valid_keys(self, gateway_id: str, now: datetime) -> Sequence[GatewayKey]:
        query = select(GatewayKey).where(
            GatewayKey.gateway_id == gateway_id,
            col(GatewayKey.revoked_at).is_(None),
            or_(col(GatewayKey.expires_at).is_(None), col(GatewayKey.expires_at) > now),
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, *rows: Gateway | GatewayKey) -> None:
        self.session.add_all(rows)
