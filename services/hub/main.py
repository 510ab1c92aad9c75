"""The hub service: the national knowledge hub's projection of every city's progress."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.hub.db import load_models, messaging, metadata
from services.hub.directory.endpoints import router as directory_router
from services.hub.directory.pages import router as directory_pages_router
from services.hub.forum.endpoints import router as forum_router
from services.hub.gatherings.endpoints import router as gatherings_router
from services.hub.gatherings.pages import router as gathering_pages_router
from services.hub.progress.consumers import projection
from services.hub.progress.endpoints import router as progress_router
from services.hub.progress.pages import router as pages_router
from services.hub.resources.endpoints import router as resources_router
from services.hub.settings import Settings
from shared.service import ServiceSpec, create_service_app

DESCRIPTION = """\
The national knowledge hub: what every city has achieved, projected from the events the other
services publish (`inventory.events.v1`, `contracts.events.v1`). Read-only and public.

Each figure comes from events consumed exactly once (deduplicated by CloudEvent id, applied in
the same transaction as the consumer's offsets), so replays and redeliveries change nothing.
The HTML dashboard is at `/` and `/cities/{city}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    load_models()
    spec = ServiceSpec(
        settings=settings or Settings(),
        title="Klimaby hub",
        description=DESCRIPTION,
        metadata=metadata,
        tables=messaging,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[
            progress_router,
            pages_router,
            directory_router,
            resources_router,
            gatherings_router,
            forum_router,
            directory_pages_router,
            gathering_pages_router,
        ],
        consumers=[projection],
        openapi_tags=[
            {"name": "progress", "description": "Every city's live figures (JSON)"},
            {"name": "pages", "description": "The public dashboard (HTML)"},
            {"name": "directory", "description": "Networks, mission cities and who belongs where"},
            {
                "name": "resources",
                "description": "Knowledge resources, translations, full-text search",
            },
            {"name": "gatherings", "description": "Gatherings: programme, registration, iCalendar"},
            {
                "name": "forum",
                "description": "The collaboration forum of the mission cities and the state",
            },
        ],
    )
    return create_service_app(spec)
