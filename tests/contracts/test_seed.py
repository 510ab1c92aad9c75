"""``klimaby seed [--demo]`` for contracts: the reference cities always; with --demo, MoUs
signed by both sides and active for the three mission cities, with commitments and accounts,
added once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from services.contracts import seed as contracts_seed
from services.contracts.cities.models import KnownCity
from services.contracts.climate_accounts.models import ClimateAccount
from services.contracts.db import messaging
from services.contracts.mous.models import Mou, MouSignature
from services.contracts.partners import organisation_number
from services.contracts.partners.models import Partner
from services.registry import SERVICES
from shared.db import Database
from shared.events.payloads import (
    ActionStatusChanged,
    CccPortfolioChanged,
    CccStatusChanged,
    CccVersionStarted,
    FundingChanged,
    MissionLabelAwarded,
)
from shared.migrations import upgrade

CCC_EVENTS = [
    e.event_type
    for e in (
        CccVersionStarted,
        CccStatusChanged,
        MissionLabelAwarded,
        ActionStatusChanged,
        FundingChanged,
        CccPortfolioChanged,
    )
]


async def counts(db: Database) -> tuple[int, int, int]:
    async with db.transaction() as session:
        partners = await session.scalar(select(func.count()).select_from(Partner))
        signed = await session.scalar(
            select(func.count()).select_from(Mou).where(col(Mou.status) == "active")
        )
        # Partner and MoU events only: the demo CCC adds its own (test_ccc_seed.py).
        events = await session.scalar(
            select(func.count())
            .select_from(messaging.outbox)
            .where(messaging.outbox.c.event_type.not_in(CCC_EVENTS))
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
        async with db.transaction() as session:
            known = set((await session.execute(select(col(KnownCity.slug)))).scalars())
        assert known == {"oslo", "trondheim", "stavanger", "tromso"}

        await contracts_seed.seed(db, demo=True)
        first = await counts(db)
        demo = contracts_seed.DEMO_PARTNERS
        n = len(demo)
        # Per partner: registered, drafted, two signatures, signed, active; one event per
        # commitment and per climate account.
        events = 6 * n + sum(len(p.commitments) + len(p.accounts) for p in demo)
        assert first == (n, n, events)
        async with db.transaction() as session:
            cities = set((await session.execute(select(col(Partner.city)))).scalars())
            sides = (await session.execute(select(col(MouSignature.side)))).scalars().all()
            accounts = await session.scalar(select(func.count()).select_from(ClimateAccount))
        assert cities == {"oslo", "trondheim", "stavanger"}
        assert sorted(sides) == ["city"] * n + ["partner"] * n
        assert accounts == sum(len(p.accounts) for p in demo) > 0
        assert {p.tier for p in demo} == {"partner", "supporter"}

        await contracts_seed.seed(db, demo=True)
        assert await counts(db) == first
    finally:
        await db.dispose()


def test_demo_organisation_numbers_pass_the_mod11_check() -> None:
    for partner in contracts_seed.DEMO_PARTNERS:
        assert organisation_number.validate(partner.organisation_number)
