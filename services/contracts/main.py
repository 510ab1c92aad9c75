"""The contracts service: partners (with their own credentials), MoUs with their commitments,
partners' climate accounts, and Climate City Contracts tracked against live data."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.contracts.actions.endpoints import router as actions_router
from services.contracts.ccc.endpoints import router as ccc_router
from services.contracts.cities.consumers import cities
from services.contracts.climate_accounts.endpoints import router as accounts_router
from services.contracts.commitments.endpoints import router as commitments_router
from services.contracts.db import load_models, messaging, metadata
from services.contracts.exports.endpoints import router as exports_router
from services.contracts.investment.endpoints import router as investment_router
from services.contracts.invitations.endpoints import router as invitations_router
from services.contracts.mous.endpoints import router as mous_router
from services.contracts.partners.endpoints import router as partners_router
from services.contracts.settings import Settings
from services.contracts.tracking.consumers import live_inventory
from services.contracts.tracking.endpoints import router as tracking_router
from shared.service import ServiceSpec, create_service_app

DESCRIPTION = """\
A city's partners (the quadruple helix: public bodies, businesses, research/academia and civil
society), the non-binding memoranda of understanding it proposes to each of them with the
partner's commitments (what it will do, by when, the tCO2e it expects to cut per GPC sector),
signed by both sides, and each partner's yearly climate account.

Credentials: a city token (`klimaby token --city oslo`) writes its city's partners and MoUs; a
partner token (from accepting the city's invitation, or `klimaby token --partner ID`) keeps the
partner's own record, signs its side of its MoUs and reports its climate account, and nothing
else. Reads are public (contact persons and unpublished accounts only for the partner and its
city). An unknown city is a 404: contracts learns cities from `no.klimaby.city.registered`.

Every change is published on `contracts.events.v1` (CloudEvents, keyed by city) through a
transactional outbox.

Each city's **Climate City Contract** (NetZeroCities template), versioned along the Mission
Label lifecycle: commitments, the action plan (A-1 … B-3: baseline reference, emissions gap,
barriers and stakeholders, impact pathways, the action portfolio, residual emissions, MEL
indicators) and the investment plan with its computed funding gap. Actions are tracked against
the live inventory (`inventory.events.v1`); CCC, label, action-status and funding changes are
published too. Exports: JSON, CSV per table, an HTML report.
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
            invitations_router,
            mous_router,
            commitments_router,
            accounts_router,
            ccc_router,
            actions_router,
            investment_router,
            tracking_router,
            exports_router,
        ],
        consumers=[cities, live_inventory],
        openapi_tags=[
            {"name": "partners", "description": "Organisations a city works with"},
            {"name": "invitations", "description": "A partner's own credentials"},
            {"name": "mous", "description": "Memoranda of understanding and their commitments"},
            {"name": "climate accounts", "description": "Partners' yearly climate accounts"},
            {"name": "ccc", "description": "Climate City Contracts: versions and label lifecycle"},
            {"name": "actions", "description": "The B-2 action portfolio of a CCC version"},
            {"name": "investment", "description": "Costing, funding and the funding gap"},
            {"name": "tracking", "description": "Actions and indicators against live data"},
            {"name": "exports", "description": "A CCC version as JSON, CSV and HTML"},
        ],
    )
    return create_service_app(spec)
