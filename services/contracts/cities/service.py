"""Learning cities from the inventory, and refusing (404) what names a city nobody registered."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.models import KnownCity
from services.contracts.cities.repository import KnownCityRepository
from shared.cities import known_city_path, known_city_query
from shared.events.payloads import CityRegistered
from shared.localtime import DEFAULT_TIME_ZONE, zone
from shared.problems import ProblemError
from shared.text import without_nul


async def learn_city(session: AsyncSession, event: CityRegistered, at: datetime) -> KnownCity:
    """Record (or refresh) a city the inventory registered. Applying the same event twice
    leaves the same row: the consumer may redeliver."""
    repo = KnownCityRepository(session)
    # The zone joins city.registered with local time (issue 7); until then Norway's calendar.
    time_zone = getattr(event, "time_zone", None) or DEFAULT_TIME_ZONE
    name = without_nul(event.name)[:200]  # another service's text: never let it block us
    city = await repo.get(event.city)
    if city is None:
        city = KnownCity(
            slug=event.city,
            name=name,
            time_zone=time_zone,
            mission_city=event.mission_city,
            registered_at=at,
        )
        repo.add(city)
    else:
        city.name, city.time_zone, city.mission_city = name, time_zone, event.mission_city
    await session.flush()
    return city


async def known_city(session: AsyncSession, slug: str, field: str = "/body/city") -> KnownCity:
    """The city, or 404 naming where the slug came from (``/path/city``, ``/query/city``, …)."""
    city = await KnownCityRepository(session).get(slug)
    if city is None:
        raise ProblemError(
            404,
            "Unknown city",
            f"no city '{slug}' is registered on the platform (inventory: POST /v1/cities)",
            kind="unknown-city",
            field=field,
        )
    return city


async def today_in(session: AsyncSession, city: str) -> date:
    """Today in the city's own calendar (a signature's day, an account's year are local)."""
    known = await KnownCityRepository(session).get(city)
    return datetime.now(zone(known.time_zone if known else DEFAULT_TIME_ZONE)).date()


async def city_is_known(session: AsyncSession, slug: str) -> bool:
    return await KnownCityRepository(session).get(slug) is not None


# Every ``/v1/cities/{city}/...`` endpoint of contracts takes this: 422 for a slug in the wrong
# case (with the slug to use), 404 for a city contracts has not learned of.
CityPath = Annotated[str, Depends(known_city_path(city_is_known))]
CityQuery = Annotated[str | None, Depends(known_city_query(city_is_known))]
