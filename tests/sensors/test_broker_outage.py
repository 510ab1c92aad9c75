"""The broker goes away mid-stream: posts answer 503 with Retry-After and accept nothing; once a
broker is back on the same address and the gateway retries, every reading is counted once.

The test runs its own Tansu (memory only: the restarted broker has no topics and its offsets
start again from zero, the hardest case for the services: the inventory's consumer sees the new
cluster id and reads the new log from its beginning instead of trusting its stored offsets)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from shared.broker import start_broker
from shared.events.catalogue import SENSORS_READINGS
from shared.events.envelope import decode_event
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh, live_readings


async def post_until_accepted(
    client: httpx.AsyncClient, batch: dict[str, Any], headers: dict[str, str]
) -> tuple[httpx.Response, int]:
    """What a gateway does: retry after Retry-After while the answer is 503 (bounded)."""
    for attempt in range(120):
        r = await client.post("/v1/readings", json=batch, headers=headers)
        if r.status_code != 503:
            return r, attempt
        await asyncio.sleep(min(float(r.headers["retry-after"]), 0.5))
    raise AssertionError(f"still 503 after 120 attempts: {r.text}")


async def reading_ids_on(bootstrap_servers: str, wanted: set[str]) -> set[str]:
    """The ids of the accepted readings on the broker's topic (read until ``wanted`` are seen)."""
    consumer = AIOKafkaConsumer(
        SENSORS_READINGS,
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        for _ in range(60):
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                seen.update(decode_event(rec.value).id for rec in records)
            if wanted <= seen:
                break
    finally:
        await consumer.stop()
    return seen


async def test_posts_answer_503_while_the_broker_is_down_and_the_retry_counts_once(
    service_client_on: Any, admin_token: str, city: str
) -> None:
    broker = start_broker()
    port = broker.port
    try:
        async with (
            service_client_on(
                "sensors", broker.bootstrap_servers, publish_timeout_s=2, broker_retry_after_s=1
            ) as (_s, sensors),
            service_client_on("inventory", broker.bootstrap_servers) as (_i, inventory),
        ):
            _gw, key, (meter,) = await register_gateway_with_sensors(
                sensors, admin_token, city, [ELECTRICITY_METER]
            )
            start = hour_ago() - timedelta(hours=10)
            before = {
                "readings": [kwh(meter, start + timedelta(minutes=i), 1.0) for i in range(100)]
            }
            during = {
                "readings": [
                    kwh(meter, start + timedelta(hours=2, minutes=i), 2.0) for i in range(60)
                ]
            }
            r = await sensors.post("/v1/readings", json=before, headers={"X-Api-Key": key})
            assert r.status_code == 202
            totals = await eventually(
                lambda: live_readings(inventory, city), lambda t: t["readings"] >= 100
            )
            assert totals["readings"] == 100

            broker.stop()
            headers = {"X-Api-Key": key, "Idempotency-Key": "during-outage"}
            for _ in range(2):  # the first waits for acks in vain, the next is refused at once
                r = await sensors.post("/v1/readings", json=during, headers=headers)
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "1"
                assert "nothing of this batch was accepted" in r.json()["detail"]
            activity = (await sensors.get(f"/v1/sensors/{meter}/activity")).json()
            assert activity["accepted"] == 100  # the refused batches left no trace

            broker = start_broker(port)  # a new incarnation: no topics, offsets from zero
            r, attempts = await post_until_accepted(sensors, during, headers)
            assert r.status_code == 202, r.text
            assert r.json()["accepted"] == 60
            assert attempts >= 0

            retried = {x["reading_id"] for x in r.json()["results"]}

            # Once a reading posted after the retry is counted, everything before it is final.
            r = await sensors.post(
                "/v1/readings",
                json={"readings": [kwh(meter, hour_ago(), 5.0)]},
                headers={"X-Api-Key": key},
            )
            assert r.status_code == 202
            sentinel = r.json()["results"][0]["reading_id"]

            # Nothing lost on the sensors' side: every retried reading is on the new broker.
            on_topic = await reading_ids_on(broker.bootstrap_servers, retried | {sentinel})
            assert retried | {sentinel} <= on_topic

            # The sentinel shares the retried readings' partition: once it is accounted, all of
            # them have been consumed (bounded, in case the consumer skips it too).
            await eventually(
                lambda: inventory.get(f"/v1/readings/{sentinel}"),
                lambda r: r.status_code == 200,
                attempts=150,
            )
            totals = await live_readings(inventory, city)
            assert (totals["readings"], totals["co2e_mg"]) == (161, (100 + 120 + 5) * 15_000)
    finally:
        broker.stop()
