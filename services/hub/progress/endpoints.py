"""REST: every city's progress, and one city's (public, read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.progress import service
from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.schemas import CityProgressPublic
from shared.db import get_session
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/cities", tags=["progress"], responses=PROBLEM_RESPONSES)

CityPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="City slug, e.g. oslo")
]


@router.get("", summary="Progress of every city the hub has heard of")
async def list_cities(session: AsyncSession = Depends(get_session)) -> list[CityProgressPublic]:
    return [CityProgressPublic.of(row) for row in await CityProgressRepository(session).list()]


@router.get("/{city}", summary="Progress of one city")
async def get_city(
    city: CityPath, session: AsyncSession = Depends(get_session)
) -> CityProgressPublic:
    return CityProgressPublic.of(await service.get_city(session, city))
