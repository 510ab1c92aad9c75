from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from services.sensors.fields import GatewayIdPath, SensorIdPath
from services.sensors.gateways.service import get_gateway
from services.sensors.operations.models import SensorActivity
from services.sensors.operations.schemas import SensorActivityPublic
from services.sensors.registry.models import Sensor
from services.sensors.registry.service import get_sensor
from shared.db import DbSession

router = APIRouter(prefix="/v1", tags=["operations"])


def _public(sensor: Sensor, activity: SensorActivity | None) -> SensorActivityPublic:
    return SensorActivityPublic(
        sensor_id=sensor.id,
        last_seen_at=activity.last_seen_at if activity else None,
        last_observed_at=activity.last_observed_at if activity else None,
        last_lag_s=activity.last_lag_s if activity else None,
        accepted=activity.accepted if activity else 0,
        duplicates=activity.duplicates if activity else 0,
        rejected=activity.rejected if activity else 0,
        expected_interval_s=sensor.expected_interval_s,
        stale=bool(activity and activity.stale_since),
        stale_since=activity.stale_since if activity else None,
    )


@router.get(
    "/sensors/{sensor_id}/activity",
    response_model=SensorActivityPublic,
    summary="A sensor's last contact, counts, lag and staleness",
)
async def sensor_activity(sensor_id: SensorIdPath, session: DbSession) -> SensorActivityPublic:
    sensor = await get_sensor(session, sensor_id)
    return _public(sensor, await session.get(SensorActivity, sensor_id))


@router.get(
    "/gateways/{gateway_id}/activity",
    response_model=list[SensorActivityPublic],
    summary="The activity of every sensor of a gateway",
)
async def gateway_activity(
    gateway_id: GatewayIdPath, session: DbSession
) -> list[SensorActivityPublic]:
    await get_gateway(session, gateway_id)
    rows = (
        await session.execute(
            select(Sensor, SensorActivity)
            .outerjoin(SensorActivity, col(SensorActivity.sensor_id) == col(Sensor.id))
            .where(Sensor.gateway_id == gateway_id)
            .order_by(col(Sensor.id))
        )
    ).all()
    return [_public(sensor, activity) for sensor, activity in rows]
