"""The readings publisher on the real broker: requests publishing at once (in rounds, see
``ReadingPublisher``) are all acknowledged, every record lands once, and each sensor's records
keep their order on its partition. Whether requests starved under a steady load is measured by
``bench/e2e.py --steady``, not here (no timed assertions)."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from prometheus_client import REGISTRY

from services.sensors.readings.publisher import ReadingPublisher
from services.sensors.settings import Settings
from shared.events.catalogue import SENSORS_READINGS
from shared.messaging.kafka import ensure_topics


async def test_concurrent_requests_are_published_in_rounds_in_order(broker: str) -> None:
    await ensure_topics(broker, 6)
    run = uuid.uuid4().hex[:8]
    publisher = ReadingPublisher(
        Settings(KAFKA_BOOTSTRAP_SERVERS=broker, publish_timeout_s=30)  # type: ignore[call-arg]
    )
    await publisher.start()
    requests = 40
    rounds_before = REGISTRY.get_sample_value("klimaby_sensors_publish_rounds_total") or 0.0
    try:
        # Each request: 300 records of 10 sensors; a sensor's sequence runs across requests.
        bodies = [
            [
                (f"{run}-s{i % 10}".encode(), f"{run}|{r}|{i}|".encode() + b"x" * 600)
                for i in range(r * 300, (r + 1) * 300)
            ]
            for r in range(requests)
        ]
        await asyncio.gather(*(publisher.publish(body) for body in bodies))
        # Every request hands its records in before the rounds' task next runs (each runs up to
        # its first await): they go out together, not in a round of their own each.
        rounds = (
            REGISTRY.get_sample_value("klimaby_sensors_publish_rounds_total") or 0.0
        ) - rounds_before
    finally:
        await publisher.stop()
    assert 1 <= rounds < requests

    consumer = AIOKafkaConsumer(
        SENSORS_READINGS,
        bootstrap_servers=broker,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: dict[str, list[int]] = {}
    partitions: dict[str, set[int]] = {}
    try:
        for _ in range(120):
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                for rec in records:
                    if rec.key and rec.key.startswith(run.encode()):
                        key = rec.key.decode()
                        seen.setdefault(key, []).append(int(rec.value.split(b"|")[2]))
                        partitions.setdefault(key, set()).add(tp.partition)
            if sum(len(v) for v in seen.values()) >= requests * 300:
                break
    finally:
        await consumer.stop()
    assert sum(len(v) for v in seen.values()) == requests * 300
    for key, numbers in seen.items():
        assert len(partitions[key]) == 1  # a sensor's records on one partition
        # Requests were answered in rounds, so their order between requests is the order they
        # were handed in; within a sensor, each request's records stay in their order.
        assert len(numbers) == len(set(numbers)) == requests * 30
        for r in range(requests):
            mine = [n for n in numbers if r * 300 <= n < (r + 1) * 300]
            assert mine == sorted(mine)
