from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from services.sensors.cities.service import CityQuery
from services.sensors.fields import GatewayIdPath, KeyIdPath, text_query
from services.sensors.gateways import service
from services.sensors.gateways.repository import GatewayRepository
from services.sensors.gateways.schemas import (
    GatewayCreate,
    GatewayPublic,
    GatewayStatus,
    GatewayUpdate,
    GatewayWithKey,
    KeyPublic,
    KeyRotation,
    RotatedKey,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.pagination import Offset

router = APIRouter(prefix="/v1/gateways", tags=["gateways"])


def _public(gateway: object) -> GatewayPublic:
    return GatewayPublic.model_validate(gateway, from_attributes=True)


@router.post(
    "",
    response_model=GatewayWithKey,
    status_code=201,
    summary="Register a gateway; its API key is in the answer, once",
)
async def register_gateway(
    data: GatewayCreate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> GatewayWithKey:
    gateway, api_key = await service.register_gateway(session, principal, data)
    return GatewayWithKey(**_public(gateway).model_dump(), api_key=api_key)


@router.get("", response_model=list[GatewayPublic], summary="Gateways: by city, status or text")
async def list_gateways(
    session: DbSession,
    city: CityQuery = None,
    status: GatewayStatus | None = None,
    q: str | None = text_query(200, "Part of the id or name"),
    limit: int = Query(500, ge=1, le=5000),
    offset: Offset = 0,
) -> list[GatewayPublic]:
    rows = await GatewayRepository(session).list(city, status, q, limit, offset)
    return [_public(g) for g in rows]


@router.get("/{gateway_id}", response_model=GatewayPublic, summary="One gateway")
async def get_gateway(gateway_id: GatewayIdPath, session: DbSession) -> GatewayPublic:
    return _public(await service.get_gateway(session, gateway_id))


@router.patch("/{gateway_id}", response_model=GatewayPublic, summary="Rename, disable or enable")
async def update_gateway(
    gateway_id: GatewayIdPath,
    data: GatewayUpdate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> GatewayPublic:
    return _public(await service.update_gateway(session, principal, gateway_id, data))


@router.delete(
    "/{gateway_id}",
    response_model=GatewayPublic,
    summary="Disable a gateway: all its keys are refused (its history is kept)",
)
async def disable_gateway(
    gateway_id: GatewayIdPath,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> GatewayPublic:
    update = GatewayUpdate(status="disabled")
    return _public(await service.update_gateway(session, principal, gateway_id, update))


@router.get("/{gateway_id}/keys", response_model=list[KeyPublic], summary="A gateway's API keys")
async def list_keys(
    gateway_id: GatewayIdPath,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> list[KeyPublic]:
    return list(await service.list_keys(session, principal, gateway_id))


@router.post(
    "/{gateway_id}/keys",
    response_model=RotatedKey,
    status_code=201,
    summary="Rotate: a new key, the current ones valid for a grace period",
)
async def rotate_key(
    gateway_id: GatewayIdPath,
    session: DbSession,
    data: KeyRotation | None = None,
    principal: Principal = Depends(require_principal),
) -> RotatedKey:
    return await service.rotate_key(session, principal, gateway_id, data or KeyRotation())


@router.delete(
    "/{gateway_id}/keys/{key_id}",
    response_model=KeyPublic,
    summary="Revoke a key: refused (401) from now on",
)
async def revoke_key(
    gateway_id: GatewayIdPath,
    key_id: KeyIdPath,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> KeyPublic:
    return await service.revoke_key(session, principal, gateway_id, key_id)
