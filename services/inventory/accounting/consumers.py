"""The live-accounting consumer of ``sensors.readings.v1``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import sector_of
from services.inventory.accounting.decoding import AcceptedReading, RecordReading
from services.inventory.accounting.service import (
    BatchResult,
    add_to_totals,
    record_new_readings,
)
from services.inventory.budget.pace import evaluate_pace
from services.inventory.coverage.service import record_measured
from shared.events.payloads import ReadingAccepted
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.messaging.outbox import Outbox

READING_TYPES = (RecordReading, ReadingAccepted)


async def account_batch(
    session: AsyncSession, outbox: Outbox, readings: Sequence[AcceptedReading]
) -> BatchResult:
    """One consumed batch: account the new readings and their sensors' measured activity, then,
    in the same transaction, this year's budget pace of the cities and sectors the batch moved.
    A late reading of an earlier year moves it too: last year's months are the seasonal
    profile, and the inventory's year is the history the estimate scales by."""
    result = await record_new_readings(session, readings)
    now = datetime.now(UTC)
    # The sensors' activity before the totals: its rows are of this batch's sensors, which
    # no other lane consumes, while the buckets and months are shared (see add_to_totals).
    await record_measured(session, result.accounted, now, result.time_zones)
    await add_to_totals(session, outbox, result)
    touched = result.touched_sectors()
    # Also readings waiting for a factor: their activity counts. A batch's thousands of
    # readings name a few cells: each cell's sector is looked up once.
    for city, gpc_reference in {
        (a.reading.city, a.reading.gpc_reference) for a in result.accounted
    }:
        touched.setdefault(city, set()).add(sector_of(gpc_reference))
    await evaluate_pace(session, outbox, touched, now)
    return result


def readings_handler(app: FastAPI) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        # Decoded by decode_reading, or by the general decoding when it left a record to it.
        readings = [e.payload for e in events if isinstance(e.payload, READING_TYPES)]
        await account_batch(session, app.state.outbox, readings)

    return handle
