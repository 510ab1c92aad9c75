"""``klimaby seed --demo``: Oslo gets a published 2022 inventory and a target, once."""

from __future__ import annotations

from sqlalchemy import func, select

from services.inventory import seed as inventory_seed
from services.inventory.db import messaging
from services.registry import SERVICES
from shared.db import Database
from shared.migrations import upgrade
from tests.conftest import ServiceClientFactory


async def test_demo_seed_publishes_oslos_inventory_and_target_once(
    database_url: str, unique_schema: str
) -> None:
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    try:
        await upgrade(db, SERVICES["inventory"].migrations_dir)
        await inventory_seed.seed(db, demo=True)
        await inventory_seed.seed(db, demo=True)
        async with db.transaction() as session:
            published = await session.scalar(
                select(func.count())
                .select_from(messaging.outbox)
                .where(messaging.outbox.c.event_type == "no.klimaby.inventory.published")
            )
        assert published == 1
    finally:
        await db.dispose()


async def test_the_demo_inventory_is_readable_through_the_api(
    service_client: ServiceClientFactory,
) -> None:
    async with service_client("inventory", consumers_enabled=False, outbox_relay_enabled=False) as (
        app,
        client,
    ):
        await inventory_seed.seed(app.state.db, demo=True)
        r = await client.get("/v1/cities/oslo/inventories/2022")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "published"
        target = (await client.get("/v1/cities/oslo/targets")).json()
        assert target["target_year"] == 2030
