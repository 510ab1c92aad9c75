"""``klimaby seed --demo`` for contracts: signed MoUs for the three cities, added once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from services.contracts import seed as contracts_seed
from services.contracts.db import messaging
from services.contracts.mous.models import Mou
from services.contracts.partners import organisation_number
from services.contracts.partners.models import Partner
from services.registry import SERVICES
from shared.db import Database
from shared.events.payloads import MouDrafted, MouSigned, PartnerRegistered
from shared.migrations import upgrade

PARTNER_AND_MOU_EVENTS = [e.event_type for e in (PartnerRegistered, MouDrafted, MouSigned)]


async def counts(db: Database) -> tuple[int, int, int]:
    async with db.transaction() as session:
        partners = await session.scalar(select(func.count()).select_from(Partner))
        signed = await session.scalar(
            select(func.count()).select_from(Mou).where(col(Mou.status) == "signed")
        )
        # Partner and MoU events only: the demo CCC adds its own (test_ccc_seed.py).
        events = await session.scalar(
            select(func.count())
            .select_from(messaging.outbox)
            .where(messaging.outbox.c.event_type.in_(PARTNER_AND_MOU_EVENTS))
        )
    return partners or 0, signed or 0, events or 0


async def test_demo_seed_adds_signed_mous_for_three_cities_once(
    database_url: str, unique_schema: str
) -> None:
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    try:
        await upgrade(db, SERVICES["contracts"].migrations_dir)
        await contracts_seed.seed(db, demo=False)
        assert await counts(db) == (0, 0, 0)

        await contracts_seed.seed(db, demo=True)
        first = await counts(db)
        n = len(contracts_seed.DEMO_PARTNERS)
        assert first == (n, n, 3 * n)  # registered, drafted and signed events
        async with db.transaction() as session:
            cities = set((await session.execute(select(col(Partner.city)))).scalars())
        assert cities == {"oslo", "trondheim", "stavanger"}

        await contracts_seed.seed(db, demo=True)
        assert await counts(db) == first
    finally:
        await db.dispose()


def test_demo_organisation_numbers_pass_the_mod11_check() -> None:
    for partner in contracts_seed.DEMO_PARTNERS:
        assert organisation_number.validate(partner.organisation_number)
