"""Per-gateway rate limits, counted in the database so that every replica sees one budget.

A fixed one-minute window per gateway: one conditional UPDATE admits a request only while the
window's requests and readings stay within the limits, atomically on PostgreSQL and SQLite, so
N replicas together admit what one would. The count commits in its own short transaction before
the batch is processed: a request refused later (or answered 503) still used its share, which is
what a limit against overload wants.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.operations.models import RateWindow
from shared.db import insert_ignoring_conflicts
from shared.problems import ProblemError

WINDOWS: Table = RateWindow.__table__  # type: ignore[attr-defined]
WINDOW = timedelta(minutes=1)


async def admit(
    session: AsyncSession,
    gateway_id: str,
    readings: int,
    *,
    max_requests: int,
    max_readings: int,
    now: datetime,
) -> None:
    """Count one request of ``readings`` readings, or raise 429 (413 if it can never fit)."""
    if max_readings and readings > max_readings:
        raise ProblemError(
            413,
            "Content Too Large",
            f"this gateway may send at most {max_readings} readings per minute; split the batch",
            kind="too-large",
            field="/body",
        )
    if not max_requests and not max_readings:
        return
    start = now.replace(second=0, microsecond=0)
    await insert_ignoring_conflicts(
        session,
        WINDOWS,
        [{"gateway_id": gateway_id, "window_start": start, "requests": 0, "readings": 0}],
    )
    conditions = [WINDOWS.c.gateway_id == gateway_id, WINDOWS.c.window_start == start]
    if max_requests:
        conditions.append(WINDOWS.c.requests + 1 <= max_requests)
    if max_readings:
        conditions.append(WINDOWS.c.readings + readings <= max_readings)
    result = await session.execute(
        update(WINDOWS)
        .where(*conditions)
        .values(requests=WINDOWS.c.requests + 1, readings=WINDOWS.c.readings + readings)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
        raise ProblemError(
            429,
            "Too Many Requests",
            f"this gateway's limit is {max_requests or 'unlimited'} requests and "
            f"{max_readings or 'unlimited'} readings per minute; retry in {retry_after} s",
            kind="rate-limited",
            headers={"Retry-After": str(retry_after)},
        )


async def purge_old_windows(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(WINDOWS).where(WINDOWS.c.window_start < now - 2 * WINDOW))
