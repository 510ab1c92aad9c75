"""The outbox and the idempotent consumer on the real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.catalogue import CONTRACTS_EVENTS
from shared.events.envelope import encode_event, new_event
from shared.events.payloads import PartnerRegistered
from shared.messaging.consumer import ConsumedEvent, IdempotentConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.messaging.tables import MessagingTables, messaging_tables
from tests.helpers import database_with


@pytest.fixture
async def messaging_db(
    database_url: str, unique_schema: str
) -> AsyncIterator[tuple[Database, MessagingTables]]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    async with database_with(metadata, database_url, unique_schema) as db:
        yield db, tables


def partner(city: str) -> PartnerRegistered:
    return PartnerRegistered(partner_id=uuid.uuid4(), city=city, name="Test AS", helix="business")


async def test_an_event_is_written_only_with_its_state(
    messaging_db: tuple[Database, MessagingTables],
) -> None:
    db, tables = messaging_db
    outbox = Outbox(tables, "contracts")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await outbox.add(session, partner("a"), key="a")
            raise RuntimeError("the state change failed")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(tables.outbox)) == 0


async def test_the_relay_publishes_in_order_once_and_marks_sent(
    messaging_db: tuple[Database, MessagingTables], broker: str
) -> None:
    db, tables = messaging_db
    await ensure_topics(broker, 4)
    outbox = Outbox(tables, "contracts")
    city = f"relay-{uuid.uuid4().hex[:8]}"
    ids = []
    async with db.transaction() as session:
        for _ in range(5):
            ids.append(await outbox.add(session, partner(city), key=city))
    producer = make_producer(broker, "test-relay")
    await producer.start()
    try:
        relay = OutboxRelay(db, outbox, producer)
        assert await relay.relay_once() == 5
        assert await relay.relay_once() == 0
    finally:
        await producer.stop()
    async with db.transaction() as session:
        unsent = await session.scalar(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
        )
    assert unsent == 0
    seen = await read_subjects(broker, city, expected=5)
    assert seen == ids  # one key, one partition: the outbox order is the topic order


async def read_subjects(broker: str, city: str, expected: int) -> list[str]:
    consumer = AIOKafkaConsumer(
        CONTRACTS_EVENTS,
        bootstrap_servers=broker,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    ids: list[str] = []
    try:
        for _ in range(60):
            batch = await consumer.getmany(timeout_ms=250)
            for records in batch.values():
                for r in records:
                    if r.key == city.encode():
                        ids.append(new_id(r))
            if len(ids) >= expected:
                break
    finally:
        await consumer.stop()
    return ids


def new_id(record: ConsumerRecord) -> str:
    import json

    return str(json.loads(record.value)["id"])


async def test_a_redelivered_batch_and_a_republished_event_apply_once(
    messaging_db: tuple[Database, MessagingTables], broker: str
) -> None:
    db, tables = messaging_db
    applied: list[str] = []

    async def handler(_session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        applied.extend(e.envelope.id for e in events)

    consumer = IdempotentConsumer(
        db=db,
        tables=tables,
        bootstrap_servers=broker,
        group_id=f"g-{uuid.uuid4().hex[:6]}",
        topics=[CONTRACTS_EVENTS],
        handler=handler,
    )
    event = new_event(partner("x"), source="/test")
    value = encode_event(event)
    tp = TopicPartition(CONTRACTS_EVENTS, 0)
    now = datetime.now(UTC).timestamp()

    def record(offset: int, payload: bytes = value) -> ConsumerRecord:
        return ConsumerRecord(
            CONTRACTS_EVENTS,
            0,
            offset,
            int(now),
            0,
            b"x",
            payload,
            None,
            len(b"x"),
            len(payload),
            [],
        )

    assert await consumer.apply(tp, [record(10), record(11, b"not json")]) == 1
    # The same records again (a redelivery after a crash before the commit was seen): nothing.
    assert await consumer.apply(tp, [record(10), record(11)]) == 0
    # The same event at a later offset (an outbox that published it twice): nothing.
    assert await consumer.apply(tp, [record(12)]) == 0
    assert applied == [event.id]
    assert await consumer.stored_offsets([tp]) == {tp: 13}


async def test_concurrent_appliers_of_one_partition_apply_each_record_once(
    messaging_db: tuple[Database, MessagingTables], broker: str
) -> None:
    """Two replicas holding the same partition for a moment (a rebalance) cannot both apply."""
    db, tables = messaging_db
    applied: list[str] = []

    async def handler(_session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        await asyncio.sleep(0.05)
        applied.extend(e.envelope.id for e in events)

    group = f"g-{uuid.uuid4().hex[:6]}"
    a, b = (
        IdempotentConsumer(
            db=db,
            tables=tables,
            bootstrap_servers=broker,
            group_id=group,
            topics=[CONTRACTS_EVENTS],
            handler=handler,
            dedupe_by_event_id=False,
        )
        for _ in range(2)
    )
    tp = TopicPartition(CONTRACTS_EVENTS, 1)
    events = [new_event(partner("y"), source="/test") for _ in range(3)]
    records = [
        ConsumerRecord(
            CONTRACTS_EVENTS, 1, i, 0, 0, None, encode_event(e), None, 0, len(encode_event(e)), []
        )
        for i, e in enumerate(events)
    ]
    # Seed the offset row so both contend for the same row (a first insert is a PK race).
    await a.apply(tp, records[:1])
    results = await asyncio.gather(
        a.apply(tp, records[1:]), b.apply(tp, records[1:]), return_exceptions=True
    )
    applied_counts = [r for r in results if isinstance(r, int)]
    assert sum(applied_counts) == 2 or any(isinstance(r, Exception) for r in results)
    assert sorted(applied) == sorted(e.id for e in events)


async def test_offsets_of_another_broker_cluster_are_not_trusted(
    messaging_db: tuple[Database, MessagingTables], broker: str
) -> None:
    """A memory-only broker that restarted numbers offsets from zero: records below the stored
    offset are new there, and are applied; on the old cluster they would be skipped."""
    db, tables = messaging_db
    applied: list[str] = []

    async def handler(_session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        applied.extend(e.envelope.id for e in events)

    consumer = IdempotentConsumer(
        db=db,
        tables=tables,
        bootstrap_servers=broker,
        group_id=f"g-{uuid.uuid4().hex[:6]}",
        topics=[CONTRACTS_EVENTS],
        handler=handler,
    )
    tp = TopicPartition(CONTRACTS_EVENTS, 2)
    first, second, third = (new_event(partner("z"), source="/test") for _ in range(3))

    def record(offset: int, event: object) -> ConsumerRecord:
        value = encode_event(event)  # type: ignore[arg-type]
        return ConsumerRecord(
            CONTRACTS_EVENTS, 2, offset, 0, 0, None, value, None, 0, len(value), []
        )

    consumer.cluster_id = "before-restart"
    assert await consumer.apply(tp, [record(40, first)]) == 1
    assert await consumer.apply(tp, [record(3, second)]) == 0  # same cluster: a stale fetch
    consumer.cluster_id = "after-restart"
    assert await consumer.apply(tp, [record(3, second)]) == 1
    assert await consumer.apply(tp, [record(4, third)]) == 1
    assert applied == [first.id, second.id, third.id]
    assert await consumer.stored_offsets([tp]) == {tp: 5}


@pytest.mark.parametrize("linger_ms", [0, 50])
async def test_lanes_share_the_partitions_and_apply_every_record_once_in_order(
    messaging_db: tuple[Database, MessagingTables], broker: str, linger_ms: int
) -> None:
    """A consumer with three lanes (PostgreSQL: one on SQLite): their transactions overlap, no
    partition is in two lanes at once, every record is applied once and each partition's
    records in their order, also when a batch fails once and when the consumer is stopped
    mid-stream and a new one takes over from the stored offsets; also when a small fetch
    lingers for more records before it is applied."""
    db, tables = messaging_db
    await ensure_topics(broker, 4)
    city = f"lanes-{uuid.uuid4().hex[:8]}"
    applied = sa_table(tables)
    async with db.engine.begin() as conn:
        await conn.run_sync(applied.metadata.create_all)
    running: set[int] = set()
    overlapped = 0
    failed_once: list[int] = []
    batches = 0
    midway = asyncio.Event()

    async def handler(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
        nonlocal overlapped, batches
        mine = [e for e in events if getattr(e.payload, "city", None) == city]
        if mine:
            batches += 1
            if batches >= 6:
                midway.set()
        partitions = {e.partition for e in mine}
        assert not partitions & running, "a partition in two lanes at once"
        running.update(partitions)
        try:
            if running - partitions:
                overlapped += 1
            for e in mine:
                await session.execute(
                    applied.insert().values(
                        event_id=e.event_id, partition=e.partition, offset=e.offset
                    )
                )
            await asyncio.sleep(0.02)  # the database's share of a batch, for lanes to overlap
            if mine and not failed_once:
                failed_once.append(len(mine))
                raise RuntimeError("the first batch fails once; its transaction rolls back")
        finally:
            running.difference_update(partitions)

    producer = make_producer(broker, "test-lanes")
    await producer.start()
    ids = []
    try:
        for i in range(400):
            event = new_event(partner(city), source="/test")
            ids.append(event.id)
            # 16 keys over 4 partitions; small batches so each lane fetches many times.
            await producer.send(
                CONTRACTS_EVENTS, encode_event(event), key=f"{city}-{i % 16}".encode()
            )
    finally:
        await producer.stop()

    group = f"g-{uuid.uuid4().hex[:6]}"

    def make() -> IdempotentConsumer:
        return IdempotentConsumer(
            db=db,
            tables=tables,
            bootstrap_servers=broker,
            group_id=group,
            topics=[CONTRACTS_EVENTS],
            handler=handler,
            dedupe_by_event_id=False,
            max_records=20,
            session_timeout_ms=2000,
            lanes=3,
            linger_ms=linger_ms,
        )

    async def count() -> int:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(applied)) or 0)

    first = make()
    assert first.lanes == (3 if db.is_postgres else 1)
    first.start()
    try:
        await asyncio.wait_for(midway.wait(), 60)
    finally:
        await first.stop()  # mid-stream: whatever lane was inside a transaction rolls back
    stopped_at = await count()
    assert 0 < stopped_at < len(ids)
    second = make()
    second.start()
    try:
        for _ in range(600):
            if await count() >= len(ids):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # a late double would land now
    finally:
        await second.stop()

    async with db.transaction() as session:
        rows = (await session.execute(select(applied).order_by(applied.c.seq))).all()
    assert sorted(r.event_id for r in rows) == sorted(ids)  # every record once
    by_partition: dict[int, list[int]] = {}
    for r in rows:
        by_partition.setdefault(r.partition, []).append(r.offset)
    assert all(offsets == sorted(offsets) for offsets in by_partition.values())
    assert failed_once  # the failing batch was retried, not skipped (its records are above)
    if db.is_postgres:
        assert overlapped > 0


def sa_table(tables: MessagingTables) -> Any:
    from sqlalchemy import BigInteger, Column, Integer, String, Table

    return Table(
        "applied_by_lanes",
        MetaData(schema=tables.outbox.schema),
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
    )
