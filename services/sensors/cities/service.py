"""Which cities the sensors service accepts gateways for, and filters by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.cities.repository import KnownCityRepository
from shared.cities import known_city_query
from shared.events.payloads import CityRegistered
from shared.messaging.consumer import ConsumedEvent
from shared.problems import ProblemError


async def learn_cities(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    """The consumer's handler: remember each ``city.registered``; every other inventory event
    is not this service's business. Idempotent by slug (a replay inserts nothing)."""
    seen: dict[str, tuple[str, str, datetime]] = {}
    for event in events:
        if isinstance(event.payload, CityRegistered):
            city = event.payload
            seen.setdefault(city.city, (city.city, city.name, event.envelope.time))
    await KnownCityRepository(session).add_all(list(seen.values()))


async def city_is_known(session: AsyncSession, slug: str) -> bool:
    return await KnownCityRepository(session).exists(slug)


async def ensure_known_city(session: AsyncSession, slug: str, field: str) -> None:
    if not await city_is_known(session, slug):
        raise ProblemError(
            404,
            "Not Found",
            f"no city '{slug}': the inventory has not registered it (or this service has not "
            "heard of it yet)",
            kind="not-found",
            field=field,
        )


# ``?city=`` on the registry's lists: 422 wrong case, 404 unknown city.
CityQuery = Annotated[str | None, Depends(known_city_query(city_is_known))]
