"""The hub's projection consumer: every event of the other services, in one transaction per
batch appended to the hub's event log, projected into city progress, and owed to each
matching webhook subscriber."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.progress.service import project
from services.hub.stream.repository import EventLogRepository
from services.hub.webhooks.service import fan_out
from shared.events.catalogue import CONTRACTS_EVENTS, INVENTORY_EVENTS
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.service import ConsumerSpec


async def consume(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    logged = await EventLogRepository(session).append(events)
    await project(session, events)
    await fan_out(session, logged)


def projection_handler(_app: FastAPI) -> Handler:
    return consume


projection = ConsumerSpec(
    name="projection",
    topics=[INVENTORY_EVENTS, CONTRACTS_EVENTS],
    handler=projection_handler,
    # The counts are only right if each event is applied once: dedupe by CloudEvent id.
    dedupe_by_event_id=True,
    # A newer contracts or inventory service may publish types this build does not know
    # (contract, action, label, target events): log them and read what the hub recognises.
    accept_unknown_types=True,
)
