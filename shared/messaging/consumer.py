"""Idempotent consumer: a batch's effects and the partition's next offset commit together.

Kafka's own committed offsets are not used for correctness: on assignment the consumer seeks to
the offset stored in the service's database, so a restart or a rebalance resumes exactly where
the last committed transaction ended. Records below the stored offset are skipped (a stale
fetch after a rebalance); on PostgreSQL the offset row is locked for the transaction, so two
replicas can never apply the same records. Events re-published by an outbox (same event id,
new offset) are skipped through the ``processed_events`` inbox unless the handler keys its
effects itself (the readings consumer keys them by reading id).

Stored offsets carry the broker's cluster id. A broker whose cluster id changed (a memory-only
broker restarted, a topic store wiped) has new offsets; the stored ones are then ignored and the
partition is read again from its beginning, which the idempotent effects make harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ConfigDict, ValidationError
from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, insert_ignoring_conflicts, upsert_adding
from shared.events.catalogue import UnknownEventType
from shared.events.envelope import CloudEvent, decode_event, request_id_of
from shared.events.payloads import EventPayload
from shared.messaging.tables import MessagingTables
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)

CONSUMED = Counter(
    "klimaby_consumer_events_total", "Events applied by a consumer group", ["group", "topic"]
)
SKIPPED = Counter(
    "klimaby_consumer_skipped_total",
    "Records skipped: already applied, or not a valid event",
    ["group", "topic", "reason"],
)
# How often a consumer asks the broker for its cluster id (one small Metadata request).
CLUSTER_CHECK_S = 2.0

LAG = Gauge("klimaby_consumer_lag", "Records behind the partition's end", ["group", "topic"])
# A transaction's fixed costs are paid once per batch: the operator sees from this how many
# records share them (small batches under a light load are expected; under a backlog they
# should reach the fetch size).
BATCH = Histogram(
    "klimaby_consumer_batch_records",
    "Records applied per transaction (new records of one fetch, every partition of it)",
    ["group"],
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
)


MAX_RECORDS = 2000
"""The most records one fetch (and so one transaction) applies, unless a consumer says."""


class ConsumedEvent:
    """One record of a fetch as a handler sees it: where it came from, its typed payload, and
    its envelope. A consumer with a record decoder of its own (see ``RecordDecoder``) gets the
    payload without the envelope model; the envelope is then decoded only if someone asks."""

    __slots__ = (
        "_envelope",
        "_value",
        "event_id",
        "event_type",
        "key",
        "offset",
        "partition",
        "payload",
        "request_id",
        "topic",
    )

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: str | None,
        envelope: CloudEvent | None,
        payload: Any,
        *,
        value: bytes | None = None,
        event_id: str | None = None,
        event_type: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.payload = payload
        self._envelope = envelope
        self._value = value
        if envelope is not None:
            event_id, event_type = envelope.id, envelope.type
            request_id = request_id_of(envelope)
        if event_id is None or event_type is None:
            raise ValueError("a consumed event needs its envelope or its id and type")
        self.event_id: str = event_id
        self.event_type: str = event_type
        self.request_id = request_id

    @classmethod
    def decoded(
        cls,
        record: ConsumerRecord,
        key: str | None,
        event_id: str,
        event_type: str,
        request_id: str | None,
        payload: Any,
    ) -> ConsumedEvent:
        """A record a consumer's own decoder read: its envelope is decoded only if asked for.
        Built slot by slot, not through ``__init__``: a call with keywords cost 0.7 µs of the
        inventory's CPU per reading, this 0.2 (docs/performance.md)."""
        event = object.__new__(cls)
        event.topic = record.topic
        event.partition = record.partition
        event.offset = record.offset
        event.key = key
        event.payload = payload
        event._envelope = None
        event._value = record.value
        event.event_id = event_id
        event.event_type = event_type
        event.request_id = request_id
        return event

    @property
    def envelope(self) -> CloudEvent:
        if self._envelope is None:
            assert self._value is not None
            self._envelope = decode_event(self._value)
        return self._envelope


class DecodedRecord(NamedTuple):
    """What a consumer's own decoder reads from a record value: the envelope's id, type and
    request id, and the typed payload."""

    event_id: str
    event_type: str
    request_id: str | None
    payload: Any


RecordDecoder = Callable[[bytes], DecodedRecord | None]
"""A consumer's fast decoder for the event types it knows best: the decoded record, or None to
leave the record to the general decoding (the envelope model, then the catalogue's payload
model), which validates it and skips it if invalid. A decoder must accept only what the general
decoding accepts, with the same values."""


class UntypedPayload(EventPayload):
    """The data of an event type this build's catalogue does not know, kept as it came (in
    ``model_extra``), for consumers that read newer producers tolerantly."""

    model_config = ConfigDict(extra="allow")
    event_type: ClassVar[str] = ""


Handler = Callable[[AsyncSession, Sequence[ConsumedEvent]], Awaitable[None]]


class IdempotentConsumer(BackgroundTask):
    def __init__(
        self,
        *,
        db: Database,
        tables: MessagingTables,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        dedupe_by_event_id: bool = True,
        accept_unknown_types: bool = False,
        max_records: int = MAX_RECORDS,
        session_timeout_ms: int = 10_000,
        decoder: RecordDecoder | None = None,
        lanes: int = 1,
        linger_ms: int = 0,
    ) -> None:
        self.db = db
        self.tables = tables
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topics = list(topics)
        self.handler = handler
        self.dedupe_by_event_id = dedupe_by_event_id
        self.accept_unknown_types = accept_unknown_types
        self.max_records = max_records
        self.session_timeout_ms = session_timeout_ms
        self.decoder = decoder
        # SQLite takes one writer at a time: a second lane would only wait for the first.
        self.lanes = max(1, lanes) if db.is_postgres else 1
        self._claimed: set[TopicPartition] = set()
        self.linger_ms = linger_ms
        self._consumer: AIOKafkaConsumer | None = None
        self.assigned: set[TopicPartition] = set()
        self.cluster_id: str | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._start(self._run(), name=f"consumer-{self.group_id}")

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                group_id=self.group_id,
                client_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self.session_timeout_ms,
                heartbeat_interval_ms=max(self.session_timeout_ms // 5, 500),
                max_poll_records=self.max_records,
                fetch_max_bytes=16 * 1024 * 1024,
                max_partition_fetch_bytes=8 * 1024 * 1024,
            )
            self._consumer = consumer
            try:
                consumer.subscribe(self.topics, listener=_SeekToStoredOffsets(self))
                await consumer.start()
                await self._poll(consumer)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer crashed; restarting", extra={"group": self.group_id})
                await asyncio.sleep(1.0)
            finally:
                try:
                    await consumer.stop()
                except Exception:
                    log.debug("consumer stop failed", exc_info=True)

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        if self.lanes == 1:
            await self._lane(consumer, 0)
            return
        self._claimed.clear()
        lanes = [
            asyncio.create_task(self._lane(consumer, i), name=f"consumer-{self.group_id}-{i}")
            for i in range(self.lanes)
        ]
        try:
            # A lane that fails takes the others down with it; _run restarts the consumer.
            done, _ = await asyncio.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            self._claimed.clear()

    async def _lane(self, consumer: AIOKafkaConsumer, lane: int) -> None:
        """One fetch-and-apply loop. With several lanes, each owns a disjoint share of the
        assigned partitions, so while one lane's transaction runs in the database another
        decodes and accounts its fetch in Python: the two overlap instead of taking turns.

        A partition is claimed by at most one lane at a time (from its fetch to its commit):
        were two lanes to hold records of one partition, the later records could commit first
        and the earlier ones would then read as below the stored offset and be skipped. The
        claims are taken and released without awaiting in between, which on one event loop
        makes them atomic."""
        loop = asyncio.get_running_loop()
        next_cluster_check = loop.time() + CLUSTER_CHECK_S
        while True:
            if lane == 0 and loop.time() >= next_cluster_check:
                await self._check_cluster(consumer)
                next_cluster_check = loop.time() + CLUSTER_CHECK_S
            mine: list[TopicPartition] = []
            if self.lanes > 1:
                share = sorted(consumer.assignment(), key=lambda t: (t.topic, t.partition))
                mine = [tp for tp in share[lane :: self.lanes] if tp not in self._claimed]
                if not mine:
                    await asyncio.sleep(0.05)  # partitions moving between lanes, or none yet
                    continue
                self._claimed.update(mine)
            try:
                batches = await consumer.getmany(
                    *mine, timeout_ms=500, max_records=self.max_records
                )
                if batches and self.linger_ms:
                    batches = await self._linger(consumer, mine, batches)
                if batches:
                    await self._apply_with_retry(consumer, batches)
            finally:
                self._claimed.difference_update(mine)
            if lane == 0:
                await self._report_lag(consumer)

    async def _linger(
        self,
        consumer: AIOKafkaConsumer,
        partitions: Sequence[TopicPartition],
        batches: dict[TopicPartition, list[ConsumerRecord]],
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        """A small fetch waits up to ``linger_ms`` for more records of the same partitions
        before it is applied: under a steady trickle of small requests, every transaction's
        fixed costs (statements, the factor book, one row per sensor and month) are then paid
        for many records at once instead of a few, at the price of that much latency. A fetch
        that fills ``max_records`` goes at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.linger_ms / 1000
        count = sum(len(records) for records in batches.values())
        while count < self.max_records and (left := deadline - loop.time()) > 0:
            more = await consumer.getmany(
                *partitions,
                timeout_ms=max(1, int(left * 1000)),
                max_records=self.max_records - count,
            )
            if not more:
                break
            for tp, records in more.items():
                # Later records of a partition follow its earlier ones: its order is kept.
                batches.setdefault(tp, []).extend(records)
                count += len(records)
        return batches

    async def _apply_with_retry(
        self,
        consumer: AIOKafkaConsumer,
        batches: Mapping[TopicPartition, Sequence[ConsumerRecord]],
    ) -> None:
        backoff = 0.5
        pending = dict(batches)
        while pending:
            try:
                await self.apply_many(pending)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                # The transaction rolled back: nothing of this fetch is applied. Retry the same
                # records (the DB may be restarting); the offset filter keeps it exact.
                log.exception(
                    "applying a batch failed; retrying",
                    extra={
                        "group": self.group_id,
                        "partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in pending),
                    },
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                assigned = consumer.assignment()
                pending = {tp: r for tp, r in pending.items() if tp in assigned}

    # --- the exactly-once step -------------------------------------------------------------

    async def apply(self, tp: TopicPartition, records: Sequence[ConsumerRecord]) -> int:
        """Apply ``records`` of one partition in one transaction; returns how many were new."""
        return await self.apply_many({tp: records})

    async def apply_many(self, batches: Mapping[TopicPartition, Sequence[ConsumerRecord]]) -> int:
        """Apply one fetch, every partition of it, in one transaction: the handler sees all of
        its new events at once (its fixed costs per transaction are paid once per fetch, not
        once per partition), and every partition's next offset commits with them. Returns how
        many events were new."""
        applied: dict[str, int] = {}
        by_request: dict[str, list[ConsumedEvent]] = {}
        async with self.db.transaction() as session:
            fresh_by_tp: list[tuple[TopicPartition, Any, list[ConsumerRecord]]] = []
            # Offset rows are locked in one order, so replicas overlapping in a rebalance wait
            # for each other instead of deadlocking.
            ordered = sorted(batches, key=lambda t: (t.topic, t.partition))
            rows = await self._offset_rows(session, ordered)
            for tp in ordered:
                fresh = await self._fresh_records(tp, rows.get(tp), batches[tp])
                if fresh:
                    fresh_by_tp.append((tp, rows.get(tp), fresh))
            if not fresh_by_tp:
                return 0
            records = [r for _tp, _row, fresh in fresh_by_tp for r in fresh]
            events = self._decode(records)
            if self.dedupe_by_event_id and events:
                events = await self._first_time_only(session, events)
            if events:
                await self.handler(session, events)
            await self._store_offsets(
                session, [(tp, row, fresh[-1].offset + 1) for tp, row, fresh in fresh_by_tp]
            )
            for e in events:
                applied[e.topic] = applied.get(e.topic, 0) + 1
            for e in events:
                if e.request_id is not None:
                    by_request.setdefault(e.request_id, []).append(e)
        # Committed (a batch that failed and is tried again is counted once, when it commits).
        BATCH.labels(self.group_id).observe(len(records))
        for topic, n in applied.items():
            CONSUMED.labels(self.group_id, topic).inc(n)
        # Committed: what a request caused is logged under that request's id, so one request can
        # be followed through the logs of every service its events reach. One line per request
        # and batch, not per event: a gateway's POST of 5,000 readings is one line here too.
        for request_id, caused in by_request.items():
            first = caused[0]
            log.info(
                "applied event" if len(caused) == 1 else "applied events",
                extra={
                    "request_id": request_id,
                    "event_type": first.event_type,
                    "event_id": first.event_id,
                    "events": len(caused),
                    "topic": first.topic,
                    "partition": first.partition,
                    "offset": first.offset,
                    "group": self.group_id,
                },
            )
        return sum(applied.values())

    async def _offset_rows(
        self, session: AsyncSession, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, Any]:
        """The stored offset rows of the fetch's partitions, in one statement, locked on
        PostgreSQL (in the order of the partitions) until the transaction ends."""
        offsets = self.tables.consumer_offsets
        query = (
            select(
                offsets.c.topic, offsets.c.partition, offsets.c.next_offset, offsets.c.cluster_id
            )
            .where(
                offsets.c.group_id == self.group_id,
                tuple_(offsets.c.topic, offsets.c.partition).in_(
                    [(tp.topic, tp.partition) for tp in partitions]
                ),
            )
            .order_by(offsets.c.topic, offsets.c.partition)
        )
        if self.db.is_postgres:
            query = query.with_for_update()
        return {
            TopicPartition(r.topic, r.partition): r for r in (await session.execute(query)).all()
        }

    async def _fresh_records(
        self, tp: TopicPartition, row: Any, records: Sequence[ConsumerRecord]
    ) -> list[ConsumerRecord]:
        """The records at or above the partition's stored offset (``row``, None if none)."""
        await self._ensure_cluster_id()
        stored = self._usable_offset(row)
        if stored is not None and records and records[0].offset < stored:
            # Records below the stored offset: a stale fetch, or a broker that lost its log.
            # Only the broker can tell which; without its answer nothing is skipped (the
            # batch rolls back and is tried again).
            if not await self.refresh_cluster_id() and self._consumer is not None:
                raise RuntimeError("cannot read the broker's cluster id; retrying the batch")
            stored = self._usable_offset(row)
        if stored is None or not records or records[0].offset >= stored:
            # A partition's records come in offset order: none below the first.
            return list(records)
        fresh = [r for r in records if r.offset >= stored]
        if len(fresh) < len(records):
            SKIPPED.labels(self.group_id, tp.topic, "below_stored_offset").inc(
                len(records) - len(fresh)
            )
        return fresh

    async def _store_offsets(
        self, session: AsyncSession, stored: Sequence[tuple[TopicPartition, Any, int]]
    ) -> None:
        """Every partition's next offset: the existing rows in one statement on PostgreSQL."""
        now = datetime.now(UTC)
        offsets = self.tables.consumer_offsets
        existing = [(tp, next_offset) for tp, row, next_offset in stored if row is not None]
        for tp, row, next_offset in stored:
            if row is None:
                # A concurrent first insert fails on the primary key and rolls this batch back.
                await session.execute(
                    insert(offsets).values(
                        group_id=self.group_id,
                        topic=tp.topic,
                        partition=tp.partition,
                        next_offset=next_offset,
                        cluster_id=self.cluster_id,
                        updated_at=now,
                    )
                )
        # The existing rows are locked by this transaction: the upsert only updates them, in
        # one statement on PostgreSQL.
        await upsert_adding(
            session,
            offsets,
            [
                {
                    "group_id": self.group_id,
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "next_offset": next_offset,
                    "cluster_id": self.cluster_id,
                    "updated_at": now,
                }
                for tp, next_offset in existing
            ],
            key=("group_id", "topic", "partition"),
            add=(),
            replace=("next_offset", "cluster_id", "updated_at"),
        )

    def _usable_offset(self, row: Any) -> int | None:
        """The stored offset, unless it was stored against another (or an unknown) broker
        cluster: then the partition is read again, which the idempotent effects absorb."""
        if row is None:
            return None
        if self.cluster_id and row.cluster_id != self.cluster_id:
            log.warning(
                "stored offset belongs to another broker cluster; reading from the beginning",
                extra={
                    "group": self.group_id,
                    "stored_cluster": row.cluster_id,
                    "cluster": self.cluster_id,
                },
            )
            return None
        return int(row.next_offset)

    async def refresh_cluster_id(self) -> bool:
        """Ask the broker for its cluster id (Metadata v2+); False when no broker answered."""
        consumer = self._consumer
        if consumer is None:
            return False
        client = consumer._client
        nodes = [b.nodeId for b in client.cluster.brokers()] or [client.get_random_node()]
        for node in nodes:
            if node is None:
                continue
            try:
                response = await client.send(node, MetadataRequest(topics=[]))
            except Exception:
                log.debug("could not read the cluster id from node %s", node, exc_info=True)
                continue
            cluster_id = getattr(response, "cluster_id", None)
            if cluster_id:
                if cluster_id != self.cluster_id:
                    log.info(
                        "broker cluster", extra={"group": self.group_id, "cluster": str(cluster_id)}
                    )
                self.cluster_id = str(cluster_id)
                return True
        return False

    async def _check_cluster(self, consumer: AIOKafkaConsumer) -> None:
        """A broker that came back as a new cluster (a restarted memory-only broker) may hand
        out offsets that look like the old ones without a rebalance: read every assigned
        partition again from its beginning; the stored offsets of the old cluster no longer
        count, and the idempotent effects absorb what was applied before."""
        previous = self.cluster_id
        if not await self.refresh_cluster_id() or previous in (None, self.cluster_id):
            return
        log.warning(
            "the broker is a new cluster; reading assigned partitions from their beginning",
            extra={"group": self.group_id, "previous": previous, "cluster": self.cluster_id},
        )
        partitions = list(consumer.assignment())
        if partitions:
            await consumer.seek_to_beginning(*partitions)

    async def _ensure_cluster_id(self) -> None:
        # Every stored offset must say which cluster it counts in (see _usable_offset).
        if (
            self._consumer is not None
            and self.cluster_id is None
            and not await self.refresh_cluster_id()
        ):
            raise RuntimeError("cannot read the broker's cluster id; retrying the batch")

    def _decode(self, records: Sequence[ConsumerRecord]) -> list[ConsumedEvent]:
        events: list[ConsumedEvent] = []
        decoder = self.decoder
        for record in records:
            if decoder is not None and record.value is not None:
                decoded = decoder(record.value)
                if decoded is not None:
                    event_id, event_type, request_id, payload = decoded
                    key = record.key
                    events.append(
                        ConsumedEvent.decoded(
                            record,
                            key.decode() if key else None,
                            event_id,
                            event_type,
                            request_id,
                            payload,
                        )
                    )
                    continue
            try:
                envelope = decode_event(record.value)
                payload = envelope.payload()
            except UnknownEventType:
                if not self.accept_unknown_types:
                    SKIPPED.labels(self.group_id, record.topic, "unknown_type").inc()
                    continue
                # A newer producer's event type: handed on with its data as it came.
                payload = UntypedPayload.model_validate(envelope.data)
            except (ValidationError, ValueError, TypeError):
                # A record we can never apply must not block its partition: log it and move on.
                SKIPPED.labels(self.group_id, record.topic, "invalid").inc()
                log.warning(
                    "skipping an invalid record",
                    extra={
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                    },
                )
                continue
            key = record.key.decode() if record.key else None
            events.append(
                ConsumedEvent(record.topic, record.partition, record.offset, key, envelope, payload)
            )
        return events

    async def _first_time_only(
        self, session: AsyncSession, events: list[ConsumedEvent]
    ) -> list[ConsumedEvent]:
        now = datetime.now(UTC)
        unique: dict[str, ConsumedEvent] = {}
        for e in events:
            unique.setdefault(e.event_id, e)
        inserted = await insert_ignoring_conflicts(
            session,
            self.tables.processed_events,
            [
                {"group_id": self.group_id, "event_id": event_id, "processed_at": now}
                for event_id in unique
            ],
            returning=("event_id",),
        )
        new_ids = {row.event_id for row in inserted}
        skipped = len(events) - len(new_ids)
        if skipped:
            SKIPPED.labels(self.group_id, events[0].topic, "duplicate_event").inc(skipped)
        return [e for event_id, e in unique.items() if event_id in new_ids]

    async def stored_offsets(
        self, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, int]:
        offsets = self.tables.consumer_offsets
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(
                        offsets.c.topic,
                        offsets.c.partition,
                        offsets.c.next_offset,
                        offsets.c.cluster_id,
                    ).where(
                        offsets.c.group_id == self.group_id,
                        offsets.c.topic.in_({tp.topic for tp in partitions}),
                    )
                )
            ).all()
        stored = {
            TopicPartition(r.topic, r.partition): offset
            for r in rows
            if (offset := self._usable_offset(r)) is not None
        }
        return {tp: stored[tp] for tp in partitions if tp in stored}

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        per_topic: dict[str, int] = {}
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = await consumer.position(tp)
            except Exception:
                continue
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(highwater - position, 0)
        for topic, lag in per_topic.items():
            LAG.labels(self.group_id, topic).set(lag)


class _SeekToStoredOffsets(ConsumerRebalanceListener):
    def __init__(self, owner: IdempotentConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.owner.assigned -= set(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        consumer = self.owner._consumer
        assert consumer is not None
        await self.owner.refresh_cluster_id()
        stored = await self.owner.stored_offsets(list(assigned))
        for tp in assigned:
            if tp in stored:
                consumer.seek(tp, stored[tp])
            else:
                await consumer.seek_to_beginning(tp)
        self.owner.assigned |= set(assigned)
        log.info(
            "partitions assigned",
            extra={
                "group": self.owner.group_id,
                "partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in assigned),
            },
        )
