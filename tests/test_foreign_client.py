"""A Kafka client that is not ours (librdkafka, through confluent-kafka) reads our CloudEvents.

``kcat`` is built on the same librdkafka; the README shows the kcat command for a running system.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from tests.conftest import ServiceClientFactory


def read_event_about(broker: str, slug: str) -> tuple[Message, dict[str, Any]] | None:
    consumer = Consumer(
        {
            "bootstrap.servers": broker,
            "group.id": f"foreign-{slug}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics("inventory.events.v1", timeout=10)
        partitions = meta.topics["inventory.events.v1"].partitions
        consumer.assign([TopicPartition("inventory.events.v1", p, 0) for p in partitions])
        # The session's topic holds every test's events: read on until found, or until the
        # topic has been quiet for a while (bounded by idle polls, not by a message count).
        idle = 0
        while idle < 100:
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                idle += 1
                continue
            idle = 0
            event = json.loads(msg.value())
            if event.get("subject") == slug:
                return msg, event
        return None
    finally:
        consumer.close()


async def test_librdkafka_reads_cloudevents_from_inventory_events(
    service_client: ServiceClientFactory, admin_token: str, broker: str
) -> None:
    slug = f"foreign-{uuid.uuid4().hex[:8]}"
    async with service_client("inventory") as (_app, client):
        r = await client.post(
            "/v1/cities",
            json={"slug": slug, "name": "Fremmedby"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code == 201, r.text

        # librdkafka blocks: poll in a thread so the service's outbox relay keeps running.
        found = await asyncio.to_thread(read_event_about, broker, slug)
    assert found is not None, "the city.registered event never reached the topic"
    msg, event = found
    assert event["specversion"] == "1.0"
    assert event["type"] == "no.klimaby.city.registered"
    assert event["source"] == "/klimaby/inventory"
    assert event["data"] == {
        "city": slug,
        "name": "Fremmedby",
        "country": "NO",
        "bidding_zone": None,
        "mission_city": False,
        "time_zone": "Europe/Oslo",
    }
    assert msg.key() == slug.encode()
    assert dict(msg.headers() or [])["content-type"].startswith(b"application/cloudevents+json")
