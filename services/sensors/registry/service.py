from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.gateways.service import get_gateway
from services.sensors.registry.models import Sensor
from services.sensors.registry.repository import SensorRepository
from services.sensors.registry.schemas import SensorCreate
from shared.auth import Principal, ensure_can_write
from shared.problems import ProblemError


def sensor_id_for(gateway_id: str, external_id: str) -> str:
    """Stable, readable id: the gateway's id and its own name for the sensor."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", external_id).strip("-").lower()[:50] or "sensor"
    return f"{gateway_id}.{slug}"


async def register_sensor(
    session: AsyncSession, principal: Principal, gateway_id: str, data: SensorCreate
) -> Sensor:
    gateway = await get_gateway(session, gateway_id)
    ensure_can_write(principal, gateway.city)
    sensor_id = sensor_id_for(gateway.id, data.external_id)
    repo = SensorRepository(session)
    if await repo.get(sensor_id):
        raise ProblemError(
            409,
            "Conflict",
            f"sensor '{data.external_id}' exists on this gateway",
            kind="conflict",
            field="/body/external_id",
        )
    sensor = Sensor(
        id=sensor_id,
        gateway_id=gateway.id,
        city=gateway.city,
        quantity=data.quantity,
        unit=data.unit,
        energy_carrier=data.energy_carrier
        or ("electricity" if data.kind == "energy_meter" else None),
        vehicle_class=data.vehicle_class or ("car" if data.kind == "traffic_counter" else None),
        created_at=datetime.now(UTC),
        **data.model_dump(exclude={"energy_carrier", "vehicle_class"}),
    )
    repo.add(sensor)
    await session.flush()
    return sensor
