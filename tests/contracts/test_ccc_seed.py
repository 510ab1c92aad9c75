"""Oslo's demo CCC: at least ten actions across all four effort areas, with indicators,
funding and partners; labelled, tracked, and seeded once."""

from __future__ import annotations

from sqlalchemy import func, select

from services.contracts import seed as contracts_seed
from services.contracts.ccc.models import CccTransition, CccVersion
from services.contracts.ccc.schemas import CccDocument
from services.contracts.ccc.service import validate
from services.contracts.db import messaging
from services.contracts.partners.models import Partner
from services.registry import SERVICES
from shared.db import Database
from shared.migrations import upgrade


async def test_oslo_demo_ccc_has_ten_actions_in_four_areas_with_indicators_and_funding(
    database_url: str, unique_schema: str
) -> None:
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    try:
        await upgrade(db, SERVICES["contracts"].migrations_dir)
        await contracts_seed.seed(db, demo=True)
        async with db.transaction() as session:
            versions = (await session.execute(select(CccVersion))).scalars().all()
            assert [(v.city, v.version, v.status) for v in versions] == [
                ("oslo", 1, "label_awarded")
            ]
            document = CccDocument.model_validate(versions[0].document)
            await validate(session, "oslo", document)  # every reference holds
            oslo_partners = {
                str(p.id)
                for p in (await session.execute(select(Partner).where(Partner.city == "oslo")))
                .scalars()
                .all()
            }
            steps = await session.scalar(select(func.count()).select_from(CccTransition))
            events = await session.scalar(select(func.count()).select_from(messaging.outbox))
        actions = document.b2_actions
        assert len(actions) >= 10
        assert {a.field_of_action for a in actions} == {
            "land_use_and_transport",
            "buildings_and_energy",
            "consumption_and_waste",
            "adaptation",
        }
        assert len(document.b3_indicators) >= 4
        assert any(i.live_source is not None for i in document.b3_indicators)
        funded = {i.action_id for i in document.investment_plan.actions if i.funding}
        assert funded == {a.id for a in actions}
        involved = {str(a.responsible_partner_id) for a in actions if a.responsible_partner_id}
        involved |= {str(p) for a in actions for p in a.stakeholder_partner_ids}
        assert involved == oslo_partners
        assert any(line.gpc_reference == "II.1" for a in actions for line in a.expected_reductions)
        assert steps == 7  # start and six lifecycle steps

        await contracts_seed.seed(db, demo=True)
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(CccVersion)) == 1
            assert await session.scalar(select(func.count()).select_from(messaging.outbox)) == (
                events
            )
    finally:
        await db.dispose()
