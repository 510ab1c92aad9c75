"""Contracts consumes inventory.events.v1: live emissions and published inventory versions."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.tracking.service import apply_events
from shared.events.catalogue import INVENTORY_EVENTS
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.service import ConsumerSpec


def tracking_handler(app: FastAPI) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        await apply_events(session, app.state.outbox, events)

    return handle


live_inventory = ConsumerSpec(
    name="tracking",
    topics=[INVENTORY_EVENTS],
    handler=tracking_handler,
    # Monthly sums add each event's amounts: apply each CloudEvent once (inbox by event id).
    dedupe_by_event_id=True,
)
