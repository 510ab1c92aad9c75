from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.models import City
from services.inventory.cities.repository import CityRepository
from services.inventory.cities.schemas import CityCreate
from shared.cities import known_city_path
from shared.events.payloads import CityRegistered
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError


async def register_city(session: AsyncSession, outbox: Outbox, data: CityCreate) -> City:
    repo = CityRepository(session)
    if await repo.get(data.slug):
        raise ProblemError(
            409, "Conflict", f"city '{data.slug}' exists", kind="conflict", field="/body/slug"
        )
    city = City(**data.model_dump(), created_at=datetime.now(UTC))
    repo.add(city)
    await session.flush()
    await outbox.add(
        session,
        CityRegistered(
            city=city.slug,
            name=city.name,
            country=city.country,
            bidding_zone=data.bidding_zone,
            mission_city=city.mission_city,
            time_zone=city.time_zone,
        ),
        key=city.slug,
    )
    return city


async def get_city(session: AsyncSession, slug: str) -> City:
    city = await CityRepository(session).get(slug)
    if city is None:
        raise ProblemError(
            404, "Not Found", f"no city '{slug}'", kind="not-found", field="/path/city"
        )
    return city


async def time_zone_of(session: AsyncSession, slug: str) -> str:
    """The IANA time zone whose calendar a city's years and months follow.

    Every year or month the inventory books or shows (year-to-date, monthly roll-up, seasonal
    profile, budget year, factor year) is taken in this zone; see ``shared.localtime``.
    """
    return (await get_city(session, slug)).time_zone


async def city_is_known(session: AsyncSession, slug: str) -> bool:
    return await CityRepository(session).get(slug) is not None


# Every ``/v1/cities/{city}/...`` endpoint takes this: 422 for a slug in the wrong case (with the
# slug to use), 404 for a city the platform does not know.
CityPath = Annotated[str, Depends(known_city_path(city_is_known))]
