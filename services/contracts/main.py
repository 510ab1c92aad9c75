"""The contracts service: partners and MoUs (Climate City Contracts come next)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.contracts.db import load_models, messaging, metadata
from services.contracts.mous.endpoints import router as mous_router
from services.contracts.partners.endpoints import router as partners_router
from services.contracts.settings import Settings
from shared.service import ServiceSpec, create_service_app

DESCRIPTION = """\
A city's partners (the quadruple helix: public bodies, businesses, academia and civil society)
and the non-binding memoranda of understanding it drafts and signs with each of them.

Every change is published on `contracts.events.v1` (CloudEvents, keyed by city) through a
transactional outbox: `PartnerRegistered`, `MouDrafted`, `MouSigned`.
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
        routers=[partners_router, mous_router],
        openapi_tags=[
            {"name": "partners", "description": "Organisations a city works with"},
            {"name": "mous", "description": "Memoranda of understanding with partners"},
        ],
    )
    return create_service_app(spec)
