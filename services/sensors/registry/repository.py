from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.sensors.operations.models import SensorActivity
from services.sensors.registry.models import Sensor


@dataclass(frozen=True)
class SensorFilter:
    city: str | None = None
    gateway_id: str | None = None
    kind: str | None = None
    status: str | None = None
    value_type: str | None = None
    gpc_reference: str | None = None
    stale: bool | None = None
    q: str | None = None


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

    async def search(self, f: SensorFilter, limit: int, offset: int) -> Sequence[Sensor]:
        query = select(Sensor).order_by(col(Sensor.city), col(Sensor.id))
        for column, value in (
            (Sensor.city, f.city),
            (Sensor.gateway_id, f.gateway_id),
            (Sensor.kind, f.kind),
            (Sensor.status, f.status),
            (Sensor.value_type, f.value_type),
            (Sensor.gpc_reference, f.gpc_reference),
        ):
            if value is not None:
                query = query.where(column == value)
        if f.q:
            needle = f.q.lower()
            query = query.where(
                or_(
                    func.lower(col(Sensor.id)).contains(needle, autoescape=True),
                    func.lower(col(Sensor.external_id)).contains(needle, autoescape=True),
                )
            )
        if f.stale is not None:
            stale_ids = select(SensorActivity.sensor_id).where(
                col(SensorActivity.stale_since).is_not(None)
            )
            in_stale = col(Sensor.id).in_(stale_ids)
            query = query.where(in_stale if f.stale else ~in_stale)
        query = query.limit(limit).offset(offset)
        return (await self.session.execute(query)).scalars().all()

    def add(self, *sensors: Sensor) -> None:
        self.session.add_all(sensors)
