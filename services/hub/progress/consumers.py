"""The hub's projection consumer: inventory and contracts events into city progress."""

from __future__ import annotations

from fastapi import FastAPI

from services.hub.progress.service import project
from shared.events.catalogue import CONTRACTS_EVENTS, INVENTORY_EVENTS
from shared.messaging.consumer import Handler
from shared.service import ConsumerSpec


def projection_handler(_app: FastAPI) -> Handler:
    return project


projection = ConsumerSpec(
    name="projection",
    topics=[INVENTORY_EVENTS, CONTRACTS_EVENTS],
    handler=projection_handler,
    # The counts are only right if each event is applied once: dedupe by CloudEvent id.
    dedupe_by_event_id=True,
)
