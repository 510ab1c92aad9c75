"""The contracts service: partners (with their own credentials), MoUs with their commitments,
partners' climate accounts (Climate City Contracts come next)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.contracts.cities.consumers import cities
from services.contracts.climate_accounts.endpoints import router as accounts_router
from services.contracts.commitments.endpoints import router as commitments_router
from services.contracts.db import load_models, messaging, metadata
from services.contracts.invitations.endpoints import router as invitations_router
from services.contracts.mous.endpoints import router as mous_router
from services.contracts.partners.endpoints import router as partners_router
from services.contracts.settings import Settings
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
        ],
        consumers=[cities],
        openapi_tags=[
            {"name": "partners", "description": "Organisations a city works with"},
            {"name": "invitations", "description": "A partner's own credentials"},
            {"name": "mous", "description": "Memoranda of understanding and their commitments"},
            {"name": "climate accounts", "description": "Partners' yearly climate accounts"},
        ],
    )
    return create_service_app(spec)
