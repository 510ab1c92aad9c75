"""The cities the hub knows: those it has an event about (``city_progress``) and those its
directory links to a network. A city-scoped GET for any other city is a 404 (issue: a typo must
not look like a city with nothing to show)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.hub.directory.models import NetworkMembership
from services.hub.progress.models import CityProgress
from shared.cities import check_city_slug, known_city_path, known_city_query, unknown_city


async def hub_knows_city(session: AsyncSession, slug: str) -> bool:
    if await session.get(CityProgress, slug) is not None:
        return True
    linked = select(exists().where(col(NetworkMembership.member_key) == f"city:{slug}"))
    return bool(await session.scalar(linked))


async def ensure_known_cities(session: AsyncSession, slugs: list[str], field: str) -> None:
    """Each of a list filter's cities (``?city=a&city=b``): 422 wrong case, 404 unknown."""
    for n, slug in enumerate(slugs):
        check_city_slug(slug, f"{field}/{n}")
        if not await hub_knows_city(session, slug):
            raise unknown_city(slug, f"{field}/{n}")


KnownCityPath = Annotated[str, Depends(known_city_path(hub_knows_city))]
KnownCityQuery = Annotated[str | None, Depends(known_city_query(hub_knows_city))]
