from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.sensors.registry.models import Sensor


class SensorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, sensor_id: str) -> Sensor | None:
        return await self.session.get(Sensor, sensor_id)

    async def many(self, sensor_ids: Iterable[str]) -> dict[str, Sensor]:
        ids = list(set(sensor_ids))
        if not ids:
            return {}
        rows = (await self.session.execute(select(Sensor).where(col(Sensor.id).in_(ids)))).scalars()
        return {s.id: s for s in rows}

    async def list(self, city: str | None, gateway_id: str | None) -> Sequence[Sensor]:
        query = select(Sensor).order_by(Sensor.city, Sensor.id)
        if city:
            query = query.where(Sensor.city == city)
        if gateway_id:
            query = query.where(Sensor.gateway_id == gateway_id)
        return (await self.session.execute(query)).scalars().all()

    def add(self, sensor: Sensor) -> None:
        self.session.add(sensor)
