"""Small helpers the tests share: bounded polling (no timed assertions) and demo registration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import MetaData, text

from shared.db import Database

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    attempts: int = 300,
    pause_s: float = 0.1,
) -> T:
    """Poll ``probe`` until ``until`` holds; returns the last value either way, so the caller's
    assertion shows what was seen instead of a bare timeout."""
    value = await probe()
    for _ in range(attempts):
        if until(value):
            return value
        await asyncio.sleep(pause_s)
        value = await probe()
    return value


async def publish_city_registered(bootstrap_servers: str, city: str) -> None:
    """Publish a ``city.registered`` on inventory.events.v1, as the inventory's outbox does when
    a city is registered (for tests of a service that learns cities without the inventory)."""
    from aiokafka import AIOKafkaProducer

    from shared.events.catalogue import topic_for
    from shared.events.envelope import encode_event, new_event
    from shared.events.payloads import CityRegistered

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        payload = CityRegistered(city=city, name=city.title())
        event = new_event(payload, source="/klimaby/inventory", subject=city)
        await producer.send_and_wait(topic_for(payload), encode_event(event), key=city.encode())
    finally:
        await producer.stop()


async def city_known_to_sensors(sensors: httpx.AsyncClient, city: str) -> None:
    """Make ``city`` known to the running sensors service as in production: a ``city.registered``
    on its broker, then wait (bounded) until its projection of cities has it. A city the
    inventory under test registered is learnt the same way, so nothing is published then."""

    async def known() -> int:
        r = await sensors.get("/v1/gateways", params={"city": city, "limit": 1})
        return r.status_code

    if await known() == 200:
        return
    # In process, the ASGI app under test tells its broker; a service run as a process (e2e)
    # learns the city from the inventory, where the test registered it (``register_city``).
    app = getattr(sensors._transport, "app", None)
    if app is not None:
        await publish_city_registered(app.state.settings.kafka_bootstrap_servers, city)
    status = await eventually(known, lambda s: s == 200, attempts=900)
    assert status == 200, f"the sensors service never learnt city {city} (last answer {status})"


async def register_gateway_with_sensors(
    client: httpx.AsyncClient,
    token: str,
    city: str,
    sensors: list[dict[str, object]],
    name: str = "test gateway",
) -> tuple[str, str, list[str]]:
    """Register a gateway and its sensors; returns (gateway id, API key, sensor ids). The city
    is made known to the sensors service first (see ``city_known_to_sensors``)."""
    await city_known_to_sensors(client, city)
    auth = {"Authorization": f"Bearer {token}"}
    r = await client.post("/v1/gateways", json={"city": city, "name": name}, headers=auth)
    assert r.status_code == 201, r.text
    gateway = r.json()
    ids = []
    for n, spec in enumerate(sensors):
        spec = {"external_id": f"sensor-{n}", **spec}
        r = await client.post(f"/v1/gateways/{gateway['id']}/sensors", json=spec, headers=auth)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return gateway["id"], gateway["api_key"], ids


async def register_city(
    inventory: httpx.AsyncClient, token: str, city: str, bidding_zone: str = "NO1"
) -> None:
    """Register ``city`` in the inventory (the owner of cities); 409 means it already is."""
    r = await inventory.post(
        "/v1/cities",
        json={"slug": city, "name": city.title(), "bidding_zone": bidding_zone},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code in (201, 409), r.text


ELECTRICITY_METER = {
    "kind": "energy_meter",
    "gpc_reference": "I.1.2",
    "energy_carrier": "electricity",
}


def prepare_services(names: list[str], env: dict[str, str | None], demo: bool) -> None:
    """Migrate and seed ``names`` as ``klimaby run`` does, with ``env`` set for the duration
    (a ``None`` value removes the variable), leaving the test process's environment as it was."""
    import os

    from services.cli import migrate_services, seed_services

    saved = {k: os.environ.get(k) for k in env}
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        asyncio.run(migrate_services(names))
        asyncio.run(seed_services(names, demo=demo))
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def signed_by_builtin_issuer(claims: dict[str, object]) -> str:
    """Any claims, signed with the built-in issuer's current key: how a test forges a token
    that only its claims make invalid."""
    import jwt

    from shared.auth import BUILTIN_AUDIENCE, builtin_signing_keys
    from shared.settings import ServiceSettings

    settings = ServiceSettings()
    key = builtin_signing_keys(settings).current()
    return jwt.encode(
        {"iss": settings.builtin_issuer, "aud": BUILTIN_AUDIENCE, **claims},
        key.private_key,
        algorithm="ES256",
        headers={"kid": key.kid},
    )


@asynccontextmanager
async def serving(app: FastAPI, port: int = 0) -> AsyncIterator[str]:
    """The app (its lifespan already running) behind a real uvicorn server on ``port`` (by
    default a free one)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def database_with(
    metadata: MetaData, database_url: str, unique_schema: str
) -> AsyncIterator[Database]:
    """A Database holding ``metadata``'s tables (in a schema of its own on PostgreSQL)."""
    schema = unique_schema if database_url.startswith("postgres") else None
    database = Database(database_url, schema)
    async with database.engine.begin() as conn:
        if schema:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.execute(text(f'SET search_path TO "{schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()
