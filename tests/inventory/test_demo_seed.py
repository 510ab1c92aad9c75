"""``klimaby seed --demo``: every reference city gets a published 2022 inventory, once, and Oslo a
target; the hub compares the cities on these inventories."""

from __future__ import annotations

import json

from sqlalchemy import select

from services.inventory import seed as inventory_seed
from services.inventory.db import messaging
from services.inventory.demo import DEMO_INVENTORIES, DEMO_YEAR
from services.registry import SERVICES
from shared.db import Database
from shared.migrations import upgrade
from tests.conftest import ServiceClientFactory


async def test_demo_seed_publishes_every_citys_inventory_once(
    database_url: str, unique_schema: str
) -> None:
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    try:
        await upgrade(db, SERVICES["inventory"].migrations_dir)
        await inventory_seed.seed(db, demo=True)
        await inventory_seed.seed(db, demo=True)
        async with db.transaction() as session:
            payloads = (
                await session.scalars(
                    select(messaging.outbox.c.payload).where(
                        messaging.outbox.c.event_type == "no.klimaby.inventory.published"
                    )
                )
            ).all()
        published = sorted(
            (e["data"]["city"], e["data"]["year"]) for e in map(json.loads, payloads)
        )
        assert published == [
            ("oslo", 2022),
            ("stavanger", 2022),
            ("tromso", 2022),
            ("trondheim", 2022),
        ]
    finally:
        await db.dispose()


async def test_every_demo_inventory_is_readable_through_the_api_on_the_same_basis(
    service_client: ServiceClientFactory,
) -> None:
    async with service_client("inventory", consumers_enabled=False, outbox_relay_enabled=False) as (
        app,
        client,
    ):
        await inventory_seed.seed(app.state.db, demo=True)
        for demo in DEMO_INVENTORIES:
            r = await client.get(f"/v1/cities/{demo.city}/inventories/{DEMO_YEAR}")
            assert r.status_code == 200, r.text
            body = r.json()
            assert (body["status"], body["level"], body["gwp_set"]) == ("published", "BASIC", "AR5")
            figures = [e for e in body["entries"] if e["kind"] != "notation"]
            # Clearly labelled: no demo figure passes for an official one.
            assert figures and all("demo data" in e["data_source"] for e in figures)
            if demo.city == "stavanger":
                # The one figure from Miljødirektoratet: Stavanger's direct emissions in 2022.
                direct = sum(e["co2e_mg"] for e in figures if e["scope"] == 1)
                assert direct == 400_225 * 10**9
        target = (await client.get("/v1/cities/oslo/targets")).json()
        assert target["target_year"] == 2030
