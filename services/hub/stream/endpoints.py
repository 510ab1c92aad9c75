"""Server-Sent Events at /v1/stream, read from the hub's ordered event log.

Each message's ``id`` is the event's position in the log. A client that reconnects with
``Last-Event-ID`` (browsers do so by themselves) receives every matching event after that
position, in order, none twice. Without one, the stream starts at the end of the log (only
new events); ``last_event_id=0`` replays the whole log.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.hub.progress.service import get_city
from services.hub.stream.models import HubEvent
from services.hub.stream.repository import EventLogRepository
from shared.cities import check_city_slug
from shared.db import Database
from shared.events.payloads import CITY_SLUG_PATTERN
from shared.problems import ProblemError

router = APIRouter(tags=["stream"])

HEARTBEAT_S = 15.0
RETRY_MS = 2000


def sse_message(event: HubEvent) -> bytes:
    data = json.dumps(json.loads(event.envelope), ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.event_type}\ndata: {data}\n\n".encode()


def _position(header: str | None, query: int | None) -> int | None:
    if header is not None and header.strip():
        try:
            value = int(header.strip())
        except ValueError:
            raise ProblemError(
                422,
                "Unprocessable Content",
                "Last-Event-ID must be an event id this stream sent (a whole number)",
                kind="validation",
                field="/header/Last-Event-ID",
            ) from None
        if value < 0:
            raise ProblemError(
                422,
                "Unprocessable Content",
                "Last-Event-ID must not be negative",
                kind="validation",
                field="/header/Last-Event-ID",
            )
        return value
    return query


@router.get(
    "/v1/stream",
    summary="Server-Sent Events: every event the hub consumed, filtered by city and type",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An event stream"}},
)
async def stream(
    request: Request,
    city: Annotated[
        list[str] | None,
        Query(description="Only these cities (repeat the parameter for more)"),
    ] = None,
    type: Annotated[
        list[str] | None,
        Query(description="Only these event types, e.g. no.klimaby.emissions.accounted"),
    ] = None,
    last_event_id: Annotated[
        int | None, Query(ge=0, description="Resume after this id (the header wins)")
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    db: Database = request.app.state.db
    cities = sorted(set(city or []))
    types = sorted(set(type or []))
    start = _position(last_event_id_header, last_event_id)
    async with db.transaction() as session:
        for n, slug in enumerate(cities):
            check_city_slug(slug, f"/query/city/{n}")  # 422, with the slug to use
            await get_city(session, slug)  # 404 for a city the hub has not heard of
        if start is None:
            start = await EventLogRepository(session).last_seq()
    interval = request.app.state.settings.stream_poll_interval_s
    return StreamingResponse(
        _events(request, db, start, cities, types, interval),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _is_slug(value: str) -> bool:
    return re.fullmatch(CITY_SLUG_PATTERN, value) is not None


async def _events(
    request: Request,
    db: Database,
    position: int,
    cities: list[str],
    types: list[str],
    interval: float,
) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n: position {position}\n\n".encode()
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    while not await request.is_disconnected():
        async with db.transaction() as session:
            rows = await EventLogRepository(session).after(position, cities=cities, types=types)
        for row in rows:
            assert row.seq is not None
            position = row.seq
            yield sse_message(row)
        if rows:
            quiet_since = loop.time()
            continue
        if loop.time() - quiet_since >= HEARTBEAT_S:
            yield b": heartbeat\n\n"
            quiet_since = loop.time()
        await asyncio.sleep(interval)
