"""Appending to the event log, and reading it after a position."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.hub.stream.models import HubEvent
from shared.events.envelope import encode_event
from shared.messaging.consumer import ConsumedEvent
from shared.text import without_nul

# pg_advisory_xact_lock key of the log: appends are serialised until commit, so ``seq`` order
# is commit order and a reader that has seen seq N can never later find a smaller one.
LOG_LOCK_KEY = 0x6B6C_6F67  # "klog"


def city_of(event: ConsumedEvent) -> str | None:
    city = event.envelope.data.get("city")
    if isinstance(city, str) and city:
        return city[:64]
    return None


class EventLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, events: Sequence[ConsumedEvent]) -> list[HubEvent]:
        if not events:
            return []
        bind = self.session.get_bind()
        if bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOG_LOCK_KEY}
            )
        now = datetime.now(UTC)
        rows = [
            HubEvent(
                event_id=event.envelope.id[:64],
                event_type=event.envelope.type[:200],
                city=city_of(event),
                time=event.envelope.time,
                # Another service's text: NUL cannot be stored on PostgreSQL.
                envelope=without_nul(encode_event(event.envelope).decode()),
                logged_at=now,
            )
            for event in events
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def after(
        self,
        seq: int,
        *,
        cities: Sequence[str] = (),
        types: Sequence[str] = (),
        limit: int = 500,
    ) -> Sequence[HubEvent]:
        query = select(HubEvent).where(col(HubEvent.seq) > seq)
        if cities:
            query = query.where(col(HubEvent.city).in_(list(cities)))
        if types:
            query = query.where(col(HubEvent.event_type).in_(list(types)))
        query = query.order_by(col(HubEvent.seq)).limit(limit)
        return (await self.session.execute(query)).scalars().all()

    async def last_seq(self) -> int:
        from sqlalchemy import func

        value = (await self.session.execute(select(func.max(col(HubEvent.seq))))).scalar()
        return int(value or 0)
