"""REST: every city's progress, one city's in context, and the national comparison (public,
read-only, CORS-enabled, with ETags)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from services.hub.progress import service, views
from services.hub.progress.http import etagged
from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.schemas import CityContext, CityProgressPublic, NationalView
from shared.cities import city_slug_path
from shared.db import DbSession

router = APIRouter(tags=["progress"])

# 422 with the slug to use for a wrong case; the endpoint answers an unknown city (404).
CityPath = Annotated[str, Depends(city_slug_path)]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"}
}


@router.get(
    "/v1/cities",
    summary="Progress of every city the hub has heard of",
    response_model=list[CityProgressPublic],
    responses=NOT_MODIFIED,
)
async def list_cities(request: Request, session: DbSession) -> Response:
    rows = await CityProgressRepository(session).list()
    return etagged(request, [CityProgressPublic.of(row).model_dump(mode="json") for row in rows])


@router.get(
    "/v1/cities/{city}",
    summary="Progress of one city",
    response_model=CityProgressPublic,
    responses=NOT_MODIFIED,
)
async def get_city(city: CityPath, request: Request, session: DbSession) -> Response:
    return etagged(request, CityProgressPublic.of(await service.get_city(session, city)))


@router.get(
    "/v1/cities/{city}/progress",
    summary="One city's progress in context: inventories, this year live, pace, actions, label",
    response_model=CityContext,
    responses=NOT_MODIFIED,
)
async def get_city_context(city: CityPath, request: Request, session: DbSession) -> Response:
    return etagged(request, await views.city_context(session, city))


@router.get(
    "/v1/national",
    summary="Every city compared on the same basis (per capita, share cut, pace, actions)",
    response_model=NationalView,
    responses=NOT_MODIFIED,
)
async def get_national(request: Request, session: DbSession) -> Response:
    return etagged(request, await views.national(session))
