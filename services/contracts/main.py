"""The contracts service: partners, MoUs and Climate City Contracts tracked against live data."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.contracts.actions.endpoints import router as actions_router
from services.contracts.ccc.endpoints import router as ccc_router
from services.contracts.db import load_models, messaging, metadata
from services.contracts.exports.endpoints import router as exports_router
from services.contracts.investment.endpoints import router as investment_router
from services.contracts.mous.endpoints import router as mous_router
from services.contracts.partners.endpoints import router as partners_router
from services.contracts.settings import Settings
from services.contracts.tracking.consumers import live_inventory
from services.contracts.tracking.endpoints import router as tracking_router
from shared.service import ServiceSpec, create_service_app

DESCRIPTION = """\
A city's partners (the quadruple helix: public bodies, businesses, academia and civil society)
and the non-binding memoranda of understanding it drafts and signs with each of them.

Every change is published on `contracts.events.v1` (CloudEvents, keyed by city) through a
transactional outbox: `PartnerRegistered`, `MouDrafted`, `MouSigned`.

Each city's **Climate City Contract** (NetZeroCities template), versioned along the Mission
Label lifecycle: commitments, the action plan (A-1 … B-3: baseline reference, emissions gap,
barriers and stakeholders, impact pathways, the action portfolio, residual emissions, MEL
indicators) and the investment plan with its computed funding gap. Actions are tracked against
the live inventory (`inventory.events.v1`); CCC, label, action-status and funding changes are
published as `CccVersionStarted`, `CccStatusChanged`, `MissionLabelAwarded`,
`ActionStatusChanged`, `FundingChanged`. Exports: JSON, CSV per table, an HTML report.
Reads are public; writes need a bearer token for the city (`klimaby token --city oslo`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    load_models()
    spec = ServiceSpec(
        settings=settings or Settings(),
        title="Klimaby contracts",
        description=DESCRIPTION,
        metadata=metadata,
        tables=messaging,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[
            partners_router,
            mous_router,
            ccc_router,
            actions_router,
            investment_router,
            tracking_router,
            exports_router,
        ],
        consumers=[live_inventory],
        openapi_tags=[
            {"name": "partners", "description": "Organisations a city works with"},
            {"name": "mous", "description": "Memoranda of understanding with partners"},
            {"name": "ccc", "description": "Climate City Contracts: versions and label lifecycle"},
            {"name": "actions", "description": "The B-2 action portfolio of a CCC version"},
            {"name": "investment", "description": "Costing, funding and the funding gap"},
            {"name": "tracking", "description": "Actions and indicators against live data"},
            {"name": "exports", "description": "A CCC version as JSON, CSV and HTML"},
        ],
    )
    return create_service_app(spec)
