from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.sensors.cities.service import CityQuery
from services.sensors.fields import GatewayIdPath, SensorIdPath, text_query
from services.sensors.registry import service
from services.sensors.registry.repository import SensorFilter, SensorRepository
from services.sensors.registry.schemas import (
    BulkResult,
    SensorCreate,
    SensorPublic,
    SensorStatus,
    SensorUpdate,
    ValueType,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.events.payloads import SensorKind
from shared.pagination import Offset
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["sensors"])

MAX_CSV_BYTES = 2 * 1024 * 1024


def _public(sensor: object) -> SensorPublic:
    return SensorPublic.model_validate(sensor, from_attributes=True)


@router.post(
    "/gateways/{gateway_id}/sensors",
    response_model=SensorPublic,
    status_code=201,
    summary="Register a sensor on a gateway",
)
async def register_sensor(
    gateway_id: GatewayIdPath,
    data: SensorCreate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> SensorPublic:
    return _public(await service.register_sensor(session, principal, gateway_id, data))


@router.post(
    "/gateways/{gateway_id}/sensors/bulk",
    response_model=BulkResult,
    status_code=201,
    summary="Register many sensors from a CSV file, answered per row",
    description=(
        "Body: `text/csv`, UTF-8, a header row naming fields of a sensor (`external_id`, "
        "`kind`, `gpc_reference`, `energy_carrier`, `bidding_zone`, `road_segment_km`, "
        "`vehicle_class`, `value_type`, `latitude`, `longitude`, `expected_interval_s`, "
        "`plausible_min`, `plausible_max`, `coverage_group`, `coverage_share`), then one sensor per row (empty cell: not given). "
        f"At most {service.MAX_BULK_ROWS} rows. **201** all created, **207** some rejected, "
        "**422** none created; each rejected row names its column as `/rows/<row>/<column>`."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    responses={207: {"model": BulkResult, "description": "Some rows rejected"}},
)
async def bulk_register(
    gateway_id: GatewayIdPath,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "text/csv":
        raise ProblemError(
            415,
            "Unsupported Media Type",
            "send the file as text/csv",
            kind="unsupported-media-type",
            field="/header/content-type",
        )
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise ProblemError(
            413, "Content Too Large", f"at most {MAX_CSV_BYTES} bytes", kind="too-large"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(
            400, "Bad Request", "the file is not UTF-8", kind="malformed", field="/body"
        ) from exc
    result = await service.bulk_register(session, principal, gateway_id, text)
    status = 201 if result.rejected == 0 else 422 if result.created == 0 else 207
    return JSONResponse(result.model_dump(mode="json", exclude_none=True), status_code=status)


@router.get(
    "/sensors",
    response_model=list[SensorPublic],
    summary="Sensors: search and filter",
)
async def list_sensors(
    session: DbSession,
    city: CityQuery = None,
    gateway_id: str | None = text_query(40),
    kind: SensorKind | None = None,
    status: SensorStatus | None = None,
    value_type: ValueType | None = None,
    gpc_reference: str | None = text_query(16),
    stale: bool | None = Query(None, description="Only stale (true) or only not stale (false)"),
    q: str | None = text_query(200, "Part of the id or external id"),
    limit: int = Query(500, ge=1, le=5000),
    offset: Offset = 0,
) -> list[SensorPublic]:
    found = SensorFilter(city, gateway_id, kind, status, value_type, gpc_reference, stale, q)
    return [_public(s) for s in await SensorRepository(session).search(found, limit, offset)]


@router.get("/sensors/{sensor_id}", response_model=SensorPublic, summary="One sensor")
async def get_sensor(sensor_id: SensorIdPath, session: DbSession) -> SensorPublic:
    return _public(await service.get_sensor(session, sensor_id))


@router.patch("/sensors/{sensor_id}", response_model=SensorPublic, summary="Change a sensor")
async def update_sensor(
    sensor_id: SensorIdPath,
    data: SensorUpdate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> SensorPublic:
    return _public(await service.update_sensor(session, principal, sensor_id, data))


@router.delete(
    "/sensors/{sensor_id}",
    response_model=SensorPublic,
    summary="Deactivate a sensor: its readings are refused (its history is kept)",
)
async def deactivate_sensor(
    sensor_id: SensorIdPath,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> SensorPublic:
    return _public(await service.deactivate_sensor(session, principal, sensor_id))
