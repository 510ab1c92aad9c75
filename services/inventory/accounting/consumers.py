"""The live-accounting consumer of ``sensors.readings.v1``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.service import account_readings
from shared.events.payloads import ReadingAccepted
from shared.messaging.consumer import ConsumedEvent, Handler


def readings_handler(app: FastAPI) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        readings = [e.payload for e in events if isinstance(e.payload, ReadingAccepted)]
        await account_readings(session, app.state.outbox, readings)

    return handle
