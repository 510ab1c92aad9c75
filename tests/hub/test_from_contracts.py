"""Walking skeleton across services: what contracts publishes shows up on the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.contracts.main import create_app as create_contracts_app
from services.contracts.settings import Settings as ContractsSettings
from services.registry import SERVICES
from shared.db import Database
from shared.migrations import upgrade
from tests.hub.conftest import wait_for_city


@asynccontextmanager
async def contracts_beside_hub(
    broker: str, database_url: str, unique_schema: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The contracts app on its own database: its own SQLite file, or its own schema.

    (``service_client`` gives every service the test's one SQLite file, where two services'
    Alembic histories and messaging tables would collide.)
    """
    entry = SERVICES["contracts"]
    if database_url.startswith("postgres"):
        url, schema = database_url, f"{unique_schema}_contracts"
    else:
        url, schema = f"sqlite+aiosqlite:///{tmp_path / 'contracts.db'}", None
    settings = ContractsSettings(
        database_url=url, database_schema=schema, kafka_bootstrap_servers=broker
    )
    db = Database(settings.effective_database_url, settings.effective_database_schema)
    await upgrade(db, entry.migrations_dir)
    await db.dispose()
    app = create_contracts_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://contracts") as client:
            yield client


async def test_a_partner_signed_in_contracts_is_counted_by_the_hub(
    hub: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    database_url: str,
    unique_schema: str,
    tmp_path: Path,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, hub_client = hub
    token = {"Authorization": f"Bearer {city_token(city)}"}
    async with contracts_beside_hub(broker, database_url, unique_schema, tmp_path) as contracts:
        partner = await contracts.post(
            "/v1/partners",
            json={"city": city, "name": "Elvebyen Kraft AS", "helix": "business"},
            headers=token,
        )
        assert partner.status_code == 201, partner.text
        mou = await contracts.post(
            "/v1/mous",
            json={"partner_id": partner.json()["id"], "title": "Klimapartnerskap"},
            headers=token,
        )
        signed = await contracts.post(
            f"/v1/mous/{mou.json()['id']}/sign",
            json={"signatory": "Ola Nordmann", "signed_on": "2025-04-01"},
            headers=token,
        )
        assert signed.status_code == 200, signed.text

        progress = await wait_for_city(hub_client, city, lambda c: c["mous_signed"] == 1)
    assert (progress["partners"], progress["mous_drafted"], progress["mous_signed"]) == (1, 1, 1)
