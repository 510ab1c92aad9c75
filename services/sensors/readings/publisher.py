"""Publishing accepted readings: acknowledged by the broker before the gateway is answered.

When the broker does not acknowledge in time, the batch is answered 503 with ``Retry-After``
and nothing of it is recorded as accepted. The publisher then marks itself unavailable (later
batches get 503 at once instead of waiting) and recovers in the background: it re-creates the
catalogue's topics (a memory-only broker such as Tansu loses them on restart; on Kafka this is a
no-op) and starts a fresh producer, whose first metadata fetch proves the broker is back.
Records the old producer still held are either delivered late or dropped: both are harmless,
since the gateway retries and the inventory counts a reading id once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from prometheus_client import Counter, Gauge

from services.sensors.settings import Settings
from shared.events.catalogue import SENSORS_READINGS
from shared.events.envelope import CONTENT_TYPE
from shared.messaging.kafka import ensure_topics, make_producer
from shared.problems import ProblemError

log = logging.getLogger(__name__)
HEADERS = [("content-type", CONTENT_TYPE.encode())]
_PARTITIONER = DefaultPartitioner()
_PARTITION_OF: dict[tuple[bytes, int], int] = {}
BROKER_UP = Gauge("klimaby_sensors_broker_available", "1 while readings can be published")
ROUNDS = Counter(
    "klimaby_sensors_publish_rounds_total",
    "Rounds of publication acknowledged by the broker (each carries every request handed in "
    "while the previous one was out)",
)
ROUND_REQUESTS = Counter(
    "klimaby_sensors_publish_round_requests_total",
    "Requests answered by those rounds (divided by the rounds: requests per round)",
)


class ReadingPublisher:
    """Publishes the readings of every concurrent request in rounds.

    Requests do not send their own record batches: aiokafka keeps at most one batch per
    partition waiting to be sent, and a request that adds one waits for the partition's previous
    batch to go out. With requests sending side by side, each waited for the others' batches,
    partition by partition, and whichever woke first won the slot: under a steady load some
    requests starved past the producer's timeout and were answered 503 (``bench/e2e.py
    --steady``). Instead one task sends rounds: everything requests handed in since the last
    round, one batch per partition, all partitions at once, then waits for the broker's
    acknowledgements and answers every request of the round. A round carries what arrived
    while the previous one was out, so the broker sees few, large produce requests, and
    records keep their order per partition (rounds follow each other; a request's records stay
    in their order)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.available = False
        self._producer: AIOKafkaProducer | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._retired: set[asyncio.Task[None]] = set()
        self._waiting: list[tuple[Sequence[tuple[bytes, bytes]], asyncio.Future[None]]] = []
        self._handed_in = asyncio.Event()
        self._rounds: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._producer = await self._fresh_producer(timeout_s=60)
        self._set_available(True)
        self._rounds = asyncio.create_task(self._send_rounds(), name="sensors-publish-rounds")

    async def stop(self) -> None:
        if self._rounds:
            self._rounds.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rounds
        for _records, done in self._waiting:
            done.cancel()
        if self._recovery:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        if self._producer:
            await _stop_quietly(self._producer)
        for task in list(self._retired):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def unavailable(self, detail: str) -> ProblemError:
        return ProblemError(
            503,
            "Service Unavailable",
            f"{detail}; nothing of this batch was accepted, retry later",
            kind="broker-unavailable",
            headers={"Retry-After": str(self.settings.broker_retry_after_s)},
        )

    async def publish(self, readings: Sequence[tuple[bytes, bytes]]) -> None:
        """Send every reading's record (key, value; see ``events.py``) and wait for every
        acknowledgement, or raise 503."""
        if not readings:
            return
        if not self.available or self._producer is None:
            raise self.unavailable("the event broker is unreachable")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((readings, done))
        self._handed_in.set()
        try:
            await asyncio.wait_for(asyncio.shield(done), self.settings.publish_timeout_s)
        except (KafkaError, TimeoutError) as exc:
            done.cancel()  # its round, still out, answers nobody
            log.warning("broker did not acknowledge readings", extra={"error": repr(exc)})
            self._lost()
            raise self.unavailable(
                f"the event broker did not acknowledge the readings ({type(exc).__name__})"
            ) from exc

    async def _send_rounds(self) -> None:
        while True:
            await self._handed_in.wait()
            self._handed_in.clear()
            waiting, self._waiting = self._waiting, []
            waiting = [(records, done) for records, done in waiting if not done.done()]
            producer = self._producer
            if not waiting or producer is None:
                continue
            try:
                # Bounded: a round stuck on a broker that went away must not hold the next
                # ones (its requests have timed out and a fresh producer is on its way).
                await asyncio.wait_for(
                    _send_all(producer, [r for records, _ in waiting for r in records]),
                    self.settings.publish_timeout_s,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                for _records, done in waiting:
                    if not done.done():
                        done.set_exception(
                            exc if isinstance(exc, (KafkaError, TimeoutError)) else KafkaError(exc)
                        )
                continue
            ROUNDS.inc()
            ROUND_REQUESTS.inc(len(waiting))
            for _records, done in waiting:
                if not done.done():
                    done.set_result(None)

    def _set_available(self, value: bool) -> None:
        self.available = value
        BROKER_UP.set(1 if value else 0)

    def _lost(self) -> None:
        self._set_available(False)
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="sensors-broker-recovery")

    async def _recover(self) -> None:
        backoff = 0.5
        while True:
            try:
                await ensure_topics(
                    self.settings.kafka_bootstrap_servers,
                    self.settings.kafka_topic_partitions,
                    timeout_s=2.0,
                )
                fresh = await self._fresh_producer(timeout_s=5)
            except Exception as exc:
                log.info("broker still unreachable", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            old, self._producer = self._producer, fresh
            self._set_available(True)
            log.warning("broker reachable again; publishing readings")
            if old is not None:
                task = asyncio.create_task(_stop_quietly(old))
                self._retired.add(task)
                task.add_done_callback(self._retired.discard)
            return

    async def _fresh_producer(self, timeout_s: float) -> AIOKafkaProducer:
        producer = make_producer(self.settings.kafka_bootstrap_servers, "klimaby-sensors-readings")
        try:
            await asyncio.wait_for(producer.start(), timeout_s)
            await asyncio.wait_for(producer.partitions_for(SENSORS_READINGS), timeout_s)
        except BaseException:
            await _stop_quietly(producer)
            raise
        return producer


async def _send_all(producer: AIOKafkaProducer, records: Sequence[tuple[bytes, bytes]]) -> None:
    """One ``send_batch`` per partition (and per full batch) instead of one ``send`` per record:
    the partition is the one the producer's default partitioner gives the key (the sensor id),
    so a sensor's readings keep their order on one partition, as with ``send``. Every
    partition's first batch is handed to the producer before any second one, which waits for
    its partition's first to go out."""
    await producer.partitions_for(SENSORS_READINGS)  # waits for metadata, as send() does
    partitions = sorted(producer.client.cluster.partitions_for_topic(SENSORS_READINGS) or ())
    if not partitions:
        raise KafkaError(f"no partitions known for {SENSORS_READINGS}")
    available = sorted(
        producer.client.cluster.available_partitions_for_topic(SENSORS_READINGS) or partitions
    )
    batches: dict[int, list[BatchBuilder]] = {}
    count = len(partitions)
    for key, value in records:
        # murmur2 is pure Python in aiokafka: hash each sensor id once per partition count.
        partition = _PARTITION_OF.get((key, count))
        if partition is None:
            if len(_PARTITION_OF) > 100_000:
                _PARTITION_OF.clear()
            partition = _PARTITION_OF[(key, count)] = _PARTITIONER(key, partitions, available)
        builders = batches.get(partition)
        if builders is None:
            builders = batches[partition] = [producer.create_batch()]
        if builders[-1].append(key=key, value=value, timestamp=None, headers=HEADERS) is None:
            builders.append(producer.create_batch())
            if builders[-1].append(key=key, value=value, timestamp=None, headers=HEADERS) is None:
                raise KafkaError("a reading's record is larger than a batch")
    futures: list[asyncio.Future[Any]] = []
    for wave in range(max((len(b) for b in batches.values()), default=0)):
        for partition, builders in batches.items():
            if wave < len(builders):
                futures.append(
                    await producer.send_batch(builders[wave], SENSORS_READINGS, partition=partition)
                )
    await asyncio.gather(*futures)


async def _stop_quietly(producer: AIOKafkaProducer, timeout_s: float = 5.0) -> None:
    try:
        await asyncio.wait_for(producer.stop(), timeout_s)
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            raise
        log.debug("stopping a producer failed", exc_info=True)
