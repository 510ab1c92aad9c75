"""REST: every city's progress, and one city's (public, read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.hub.progress import service
from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.schemas import CityProgressPublic
from shared.db import DbSession
from shared.events.payloads import CITY_SLUG_PATTERN
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/cities", tags=["progress"], responses=PROBLEM_RESPONSES)

CityPath = Annotated[str, Path(pattern=CITY_SLUG_PATTERN, description="City slug, e.g. oslo")]


@router.get("", summary="Progress of every city the hub has heard of")
async def list_cities(session: DbSession) -> list[CityProgressPublic]:
    return [CityProgressPublic.of(row) for row in await CityProgressRepository(session).list()]


@router.get("/{city}", summary="Progress of one city")
async def get_city(city: CityPath, session: DbSession) -> CityProgressPublic:
    return CityProgressPublic.of(await service.get_city(session, city))
