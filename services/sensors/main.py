"""The sensors service: gateways, sensors and reading ingestion."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.sensors.db import load_models, messaging, metadata
from services.sensors.gateways.endpoints import router as gateways_router
from services.sensors.readings.endpoints import router as readings_router
from services.sensors.registry.endpoints import router as registry_router
from services.sensors.settings import Settings
from shared.service import ServiceSpec, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    load_models()
    return create_service_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="Klimaby sensors",
            description="Gateways, sensors and ingestion of readings from city IoT gateways.",
            metadata=metadata,
            tables=messaging,
            migrations_dir=Path(__file__).parent / "migrations",
            routers=[gateways_router, registry_router, readings_router],
        )
    )
