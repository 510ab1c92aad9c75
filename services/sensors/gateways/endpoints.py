from __future__ import annotations

from fastapi import APIRouter, Depends

from services.sensors.gateways import service
from services.sensors.gateways.repository import GatewayRepository
from services.sensors.gateways.schemas import GatewayCreate, GatewayPublic, GatewayWithKey
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/gateways", tags=["gateways"], responses=PROBLEM_RESPONSES)


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
    return GatewayWithKey(
        **GatewayPublic.model_validate(gateway, from_attributes=True).model_dump(), api_key=api_key
    )


@router.get("", response_model=list[GatewayPublic], summary="Gateways, by city")
async def list_gateways(session: DbSession, city: str | None = None) -> list[GatewayPublic]:
    return [
        GatewayPublic.model_validate(g, from_attributes=True)
        for g in await GatewayRepository(session).list(city)
    ]


@router.get("/{gateway_id}", response_model=GatewayPublic, summary="One gateway")
async def get_gateway(gateway_id: str, session: DbSession) -> GatewayPublic:
    return GatewayPublic.model_validate(
        await service.get_gateway(session, gateway_id), from_attributes=True
    )
