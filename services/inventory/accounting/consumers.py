"""The live-accounting consumer of ``sensors.readings.v1``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.service import BatchResult, account_readings
from services.inventory.budget.pace import evaluate_pace
from shared.events.payloads import ReadingAccepted
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.messaging.outbox import Outbox


async def account_batch(
    session: AsyncSession, outbox: Outbox, readings: Sequence[ReadingAccepted]
) -> BatchResult:
    """One consumed batch: account the new readings, then, in the same transaction, the
    current local year's budget pace of the cities and sectors the batch moved. Late readings of earlier
    years move no current pace and are left out."""
    result = await account_readings(session, outbox, readings)
    now = datetime.now(UTC)
    await evaluate_pace(session, outbox, result.touched_sectors(now), now)
    return result


def readings_handler(app: FastAPI) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        readings = [e.payload for e in events if isinstance(e.payload, ReadingAccepted)]
        await account_batch(session, app.state.outbox, readings)

    return handle
