"""Fixtures of the hub tests: the running hub, a fresh city, publishing to the real broker,
and waiting (bounded) until the projection shows what was published."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.registry import SERVICES
from shared.db import Database
from shared.events.catalogue import topic_for
from shared.events.envelope import CloudEvent, encode_event, new_event
from shared.events.payloads import EventPayload
from shared.migrations import upgrade
from tests.conftest import ServiceClientFactory
from tests.helpers import serving

WAIT_S = 90.0  # a bound for a consumer-group join plus catching up on the session's topics


@pytest.fixture
async def hub(
    service_client: ServiceClientFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The hub app, migrated, its projection consumer running against the session's broker."""
    async with service_client("hub", **FAST) as running:
        yield running


# Short intervals so that the tests' bounded waits stay short (the defaults are documented).
FAST: dict[str, Any] = {
    "stream_poll_interval_s": 0.1,
    "webhook_poll_interval_s": 0.1,
    "webhook_first_retry_s": 0.2,
    "webhook_max_retry_s": 0.5,
    # Many quick attempts while a test's receiver is down (the default is about a day's worth).
    "webhook_max_attempts": 10_000,
}


@pytest.fixture
async def hub_url(hub: tuple[FastAPI, httpx.AsyncClient]) -> AsyncIterator[str]:
    """The running hub served over real HTTP (for SSE clients and the browser)."""
    async with serving(hub[0]) as url:
        yield url


@pytest.fixture
async def hub_db(database_url: str, unique_schema: str) -> AsyncIterator[Database]:
    """The hub's database, migrated, without the app (for the projection's own steps)."""
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    await upgrade(db, SERVICES["hub"].migrations_dir)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def city() -> str:
    """A city slug no other test uses: the broker's topics are shared by the whole session."""
    return f"testby-{uuid.uuid4().hex[:10]}"


class Publisher:
    """Publishes CloudEvents the way the producing services' outbox relays do."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    @staticmethod
    def event(payload: EventPayload, *, source: str = "/klimaby/tests") -> CloudEvent:
        return new_event(payload, source=source, subject=getattr(payload, "city", None))

    async def send(self, event: CloudEvent, key: str) -> None:
        await self.producer.send_and_wait(
            topic_for(event.payload()), encode_event(event), key=key.encode()
        )

    async def publish(self, payload: EventPayload, key: str) -> CloudEvent:
        event = self.event(payload)
        await self.send(event, key)
        return event


@pytest.fixture
async def publisher(
    broker: str, hub: tuple[FastAPI, httpx.AsyncClient]
) -> AsyncIterator[Publisher]:
    """Depends on ``hub`` so that the topics exist (the service creates them on start)."""
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        yield Publisher(producer)
    finally:
        await producer.stop()


async def wait_for_city(
    client: httpx.AsyncClient,
    city: str,
    done: Callable[[dict[str, Any]], bool],
    timeout_s: float = WAIT_S,
) -> dict[str, Any]:
    """Poll GET /v1/cities/{city} until ``done`` holds; fail with the last state seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last: dict[str, Any] | None = None
    while loop.time() < deadline:
        response = await client.get(f"/v1/cities/{city}")
        if response.status_code == 200:
            last = response.json()
            if done(last):
                return last
        else:
            assert response.status_code == 404, response.text
        await asyncio.sleep(0.2)
    raise AssertionError(f"the hub never showed the expected progress of {city}; last: {last}")
