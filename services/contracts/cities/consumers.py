"""Contracts' consumer of ``inventory.events.v1``: it learns every registered city."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.service import learn_city
from shared.events.catalogue import INVENTORY_EVENTS
from shared.events.payloads import CityRegistered
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.service import ConsumerSpec


async def learn_cities(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    """The batch's handler; every other inventory event is none of this consumer's business."""
    for event in events:
        if isinstance(event.payload, CityRegistered):
            await learn_city(session, event.payload, event.envelope.time)


def cities_handler(_app: FastAPI) -> Handler:
    return learn_cities


cities = ConsumerSpec(
    name="cities",
    topics=[INVENTORY_EVENTS],
    handler=cities_handler,
    # Learning a city is an upsert by slug (idempotent by itself), and the topic carries many
    # more events than registrations: no inbox row per event is needed.
    dedupe_by_event_id=False,
)
