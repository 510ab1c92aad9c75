from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities import service
from services.inventory.cities.repository import CityRepository
from services.inventory.cities.schemas import CityCreate, CityPublic
from shared.auth import Principal, require_admin
from shared.db import get_session

router = APIRouter(prefix="/v1/cities", tags=["cities"])


@router.get("", response_model=list[CityPublic], summary="Cities on the platform")
async def list_cities(
    session: AsyncSession = Depends(get_session, scope="function"),
) -> list[CityPublic]:
    return [
        CityPublic.model_validate(c, from_attributes=True)
        for c in await CityRepository(session).list()
    ]


@router.post("", response_model=CityPublic, status_code=201, summary="Register a city (admin)")
async def register_city(
    data: CityCreate,
    request: Request,
    _admin: Principal = Depends(require_admin),
    session: AsyncSession = Depends(get_session, scope="function"),
) -> CityPublic:
    city = await service.register_city(session, request.app.state.outbox, data)
    return CityPublic.model_validate(city, from_attributes=True)


@router.get("/{city}", response_model=CityPublic, summary="One city")
async def get_city(
    city: service.CityPath, session: AsyncSession = Depends(get_session, scope="function")
) -> CityPublic:
    return CityPublic.model_validate(await service.get_city(session, city), from_attributes=True)
