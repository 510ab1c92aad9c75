"""The hub service: the national knowledge hub's projection of every city's progress."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from services.hub.db import load_models, messaging, metadata
from services.hub.directory.endpoints import router as directory_router
from services.hub.directory.pages import router as directory_pages_router
from services.hub.forum.endpoints import router as forum_router
from services.hub.gatherings.endpoints import router as gatherings_router
from services.hub.gatherings.pages import router as gathering_pages_router
from services.hub.progress.consumers import projection
from services.hub.progress.endpoints import router as progress_router
from services.hub.progress.pages import router as pages_router
from services.hub.progress.static import router as static_router
from services.hub.resources.endpoints import router as resources_router
from services.hub.settings import Settings
from services.hub.stream.endpoints import router as stream_router
from services.hub.webhooks.endpoints import router as webhooks_router
from services.hub.webhooks.sender import webhook_sender
from shared.service import ServiceSpec, create_service_app

DESCRIPTION = """\
The national knowledge hub: what every city has achieved, projected from the events the other
services publish (`inventory.events.v1`, `contracts.events.v1`). Read-only and public.

Each figure comes from events consumed exactly once (deduplicated by CloudEvent id, applied in
the same transaction as the consumer's offsets), so replays and redeliveries change nothing.
The HTML dashboard is at `/` and `/cities/{city}` (bokmål, `?lang=en` for English); every
consumed event is in the hub's ordered log, streamed at `/v1/stream` (Server-Sent Events) and
sent to webhook subscribers signed per the Standard Webhooks spec.
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
            stream_router,
            webhooks_router,
            pages_router,
            static_router,
            directory_router,
            resources_router,
            gatherings_router,
            forum_router,
            directory_pages_router,
            gathering_pages_router,
        ],
        consumers=[projection],
        tasks=[webhook_sender],
        openapi_tags=[
            {"name": "progress", "description": "Every city's live figures (JSON)"},
            {"name": "stream", "description": "Server-Sent Events from the hub's event log"},
            {"name": "webhooks", "description": "Signed webhooks for subscribers"},
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
    app = create_service_app(spec)
    # The public JSON and the stream may be read from any origin (no cookies are used; writes
    # need a bearer token, which a browser only sends when the page's own script adds it).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "Last-Event-ID", "Accept", "Accept-Language"],
        expose_headers=["ETag"],
        max_age=600,
    )
    return app
