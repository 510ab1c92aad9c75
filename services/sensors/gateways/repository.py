from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from services.sensors.gateways.models import Gateway, GatewayKey


class GatewayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, gateway_id: str) -> Gateway | None:
        return await self.session.get(Gateway, gateway_id)

    async def list(self, city: str | None) -> Sequence[Gateway]:
        query = select(Gateway).order_by(Gateway.city, Gateway.name)
        if city:
            query = query.where(Gateway.city == city)
        return (await self.session.execute(query)).scalars().all()

    async def key(self, key_id: str) -> GatewayKey | None:
        return await self.session.get(GatewayKey, key_id)

    def add(self, *rows: Gateway | GatewayKey) -> None:
        self.session.add_all(rows)
