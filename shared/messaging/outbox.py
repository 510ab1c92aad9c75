"""Transactional outbox: the event row commits with the state change; a relay publishes it.

The relay marks rows sent only after the broker's acknowledgement, so delivery is at least
once; consumers deduplicate by event id. On PostgreSQL one relay per service holds an advisory
lock while it works, so replicas never publish the same rows at once and per-key order holds.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import delete, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.catalogue import topic_for
from shared.events.envelope import CONTENT_TYPE, encode_event, new_event
from shared.events.payloads import EventPayload
from shared.messaging.tables import MessagingTables
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter(
    "klimaby_outbox_published_total", "Outbox events published to Kafka", ["service"]
)
OUTBOX_PENDING = Gauge("klimaby_outbox_pending", "Outbox events not yet published", ["service"])


class Outbox:
    """Writes events into the current transaction and wakes the relay after commit."""

    def __init__(self, tables: MessagingTables, service: str) -> None:
        self.tables = tables
        self.service = service
        self.source = f"/klimaby/{service}"
        self.committed = asyncio.Event()

    async def add(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        key: str,
        subject: str | None = None,
        event_id: str | None = None,
    ) -> str:
        """Stage ``payload`` as a CloudEvent in the caller's transaction; returns its id."""
        cloud_event = new_event(
            payload, source=self.source, subject=subject or key, event_id=event_id
        )
        await session.execute(
            insert(self.tables.outbox).values(
                event_id=cloud_event.id,
                event_type=cloud_event.type,
                topic=topic_for(payload),
                key=key,
                payload=encode_event(cloud_event).decode(),
                created_at=datetime.now(UTC),
            )
        )
        if not session.info.get("outbox_listener"):
            session.info["outbox_listener"] = True
            event.listen(session.sync_session, "after_commit", self._after_commit, once=True)
        return cloud_event.id

    def _after_commit(self, _session: object) -> None:
        self.committed.set()


class OutboxRelay(BackgroundTask):
    """Background task that publishes committed outbox rows in order and marks them sent."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        retention: timedelta = timedelta(days=1),
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.tables = outbox.tables
        self.producer = producer
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retention = retention
        self._lock_key = zlib.crc32(f"klimaby-outbox-{outbox.service}".encode())
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    def start(self) -> None:
        self._start(self.run(), name=f"outbox-relay-{self.outbox.service}")

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                published = await self.relay_once()
                backoff = 0.5
                if published < self.batch_size:
                    await self._wait_for_work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying", extra={"backoff_s": backoff})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _wait_for_work(self) -> None:
        self.outbox.committed.clear()
        try:
            await asyncio.wait_for(self.outbox.committed.wait(), self.poll_interval_s)
        except TimeoutError:
            pass

    async def relay_once(self) -> int:
        """Publish up to one batch; returns how many rows were published."""
        outbox = self.tables.outbox
        async with self.db.transaction() as session:
            if self.db.is_postgres:
                locked = await session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self._lock_key}
                )
                if not locked:
                    return 0
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
                    .where(outbox.c.sent_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            if rows:
                futures = [
                    await self.producer.send(
                        row.topic,
                        value=row.payload.encode(),
                        key=row.key.encode() if row.key else None,
                        headers=[("content-type", CONTENT_TYPE.encode())],
                    )
                    for row in rows
                ]
                await asyncio.gather(*futures)
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row.id for row in rows]))
                    .values(sent_at=datetime.now(UTC))
                )
                OUTBOX_PUBLISHED.labels(self.outbox.service).inc(len(rows))
            await self._purge(session)
            pending = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
            OUTBOX_PENDING.labels(self.outbox.service).set(pending or 0)
            return len(rows)

    async def _purge(self, session: AsyncSession) -> None:
        now = datetime.now(UTC)
        if now - self._last_purge < timedelta(minutes=5):
            return
        self._last_purge = now
        await session.execute(
            delete(self.tables.outbox).where(
                self.tables.outbox.c.sent_at.is_not(None),
                self.tables.outbox.c.sent_at < now - self.retention,
            )
        )
