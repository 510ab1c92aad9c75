from __future__ import annotations

from fastapi import APIRouter, Depends

from services.sensors.registry import service
from services.sensors.registry.repository import SensorRepository
from services.sensors.registry.schemas import SensorCreate, SensorPublic
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["sensors"], responses=PROBLEM_RESPONSES)


@router.post(
    "/gateways/{gateway_id}/sensors",
    response_model=SensorPublic,
    status_code=201,
    summary="Register a sensor on a gateway",
)
async def register_sensor(
    gateway_id: str,
    data: SensorCreate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> SensorPublic:
    sensor = await service.register_sensor(session, principal, gateway_id, data)
    return SensorPublic.model_validate(sensor, from_attributes=True)


@router.get("/sensors", response_model=list[SensorPublic], summary="Sensors, by city or gateway")
async def list_sensors(
    session: DbSession, city: str | None = None, gateway_id: str | None = None
) -> list[SensorPublic]:
    return [
        SensorPublic.model_validate(s, from_attributes=True)
        for s in await SensorRepository(session).list(city, gateway_id)
    ]


@router.get("/sensors/{sensor_id}", response_model=SensorPublic, summary="One sensor")
async def get_sensor(sensor_id: str, session: DbSession) -> SensorPublic:
    sensor = await SensorRepository(session).get(sensor_id)
    if sensor is None:
        raise ProblemError(
            404, "Not Found", f"no sensor '{sensor_id}'", kind="not-found", field="/path/sensor_id"
        )
    return SensorPublic.model_validate(sensor, from_attributes=True)
