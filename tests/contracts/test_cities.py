"""Contracts learns cities from the inventory's ``city.registered`` on the real broker, with
the shared idempotent consumer: a city is 404 until its registration arrives, then usable."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from services.contracts.cities.models import KnownCity
from shared.events.catalogue import INVENTORY_EVENTS
from shared.events.envelope import encode_event, new_event
from shared.events.payloads import CityRegistered
from tests.conftest import ServiceClientFactory
from tests.contracts.helpers import bearer

WAIT_S = 90.0  # a consumer-group join plus catching up on the session's topics


async def test_a_city_registered_on_the_inventory_topic_becomes_known_once(
    service_client: ServiceClientFactory, broker: str, admin_token: str
) -> None:
    slug = f"nyby-{uuid.uuid4().hex[:8]}"
    partner = {"city": slug, "name": "Nybyen Kraft AS", "helix": "business"}
    async with service_client("contracts") as (app, client):
        r = await client.post("/v1/partners", json=partner, headers=bearer(admin_token))
        assert r.status_code == 404, r.text

        event = new_event(
            CityRegistered(city=slug, name="Nybyen", bidding_zone="NO3", mission_city=True),
            source="/klimaby/inventory",
            subject=slug,
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker, enable_idempotence=False)
        await producer.start()
        try:
            # Twice, as a relay that crashed before marking its row sent would publish it.
            for _ in range(2):
                await producer.send_and_wait(
                    INVENTORY_EVENTS, encode_event(event), key=slug.encode()
                )
        finally:
            await producer.stop()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while loop.time() < deadline:
            r = await client.get("/v1/partners", params={"city": slug})
            if r.status_code == 200:
                break
            assert r.status_code == 404, r.text
            await asyncio.sleep(0.2)
        assert r.status_code == 200, "contracts never learned the city from the broker"

        r = await client.post("/v1/partners", json=partner, headers=bearer(admin_token))
        assert r.status_code == 201, r.text
        async with app.state.db.transaction() as session:
            rows = await session.scalar(
                select(func.count()).select_from(KnownCity).where(KnownCity.slug == slug)
            )
            city = await session.get(KnownCity, slug)
        assert rows == 1
        assert city is not None
        assert (city.name, city.mission_city, city.time_zone) == ("Nybyen", True, "Europe/Oslo")


async def test_the_reference_cities_are_known_from_the_seed(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    async with service_client("contracts", consumers_enabled=False) as (_, client):
        for slug in ("oslo", "trondheim", "stavanger", "tromso"):
            assert (await client.get("/v1/partners", params={"city": slug})).status_code == 200
        r = await client.post(
            "/v1/partners",
            json={"city": "tromso", "name": "Ishavsbyen Energi AS", "helix": "business"},
            headers=bearer(city_token("tromso")),
        )
        assert r.status_code == 201, r.text
