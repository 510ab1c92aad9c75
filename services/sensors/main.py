"""The sensors service: gateways, sensors and reading ingestion (HTTP and MQTT)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from services.sensors.cities.consumers import cities
from services.sensors.db import load_models, messaging, metadata
from services.sensors.gateways.endpoints import router as gateways_router
from services.sensors.mqtt.bridge import MqttBridge
from services.sensors.operations.endpoints import router as operations_router
from services.sensors.operations.service import ActivityMonitor
from services.sensors.readings.endpoints import router as readings_router
from services.sensors.readings.pipeline import Ingestion
from services.sensors.readings.publisher import ReadingPublisher
from services.sensors.readings.schemas import ReadingBatch, SenMLRecord
from services.sensors.registry.endpoints import router as registry_router
from services.sensors.settings import Settings
from shared.process import tune_garbage_collection
from shared.service import ServiceSpec, create_service_app

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def create_app(settings: Settings | None = None) -> FastAPI:
    load_models()
    settings = settings or Settings()
    app = create_service_app(
        ServiceSpec(
            settings=settings,
            title="Klimaby sensors",
            description=(
                "Gateways, sensors and ingestion of readings from city IoT gateways, over HTTP "
                "(our JSON or SenML) and MQTT."
            ),
            metadata=metadata,
            tables=messaging,
            migrations_dir=Path(__file__).parent / "migrations",
            routers=[gateways_router, registry_router, operations_router, readings_router],
            consumers=[cities],
        )
    )
    app.router.lifespan_context = _with_ingestion(app.router.lifespan_context, settings)
    _document_batch_formats(app)
    return app


def _with_ingestion(inner: Lifespan, settings: Settings) -> Lifespan:
    """The shared lifespan (database, producer, outbox relay), then what ingestion adds on top:
    the readings publisher, the activity monitor and, when enabled, the MQTT bridge. Stopped in
    reverse order, before the database they use is disposed."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            publisher = ReadingPublisher(settings)
            await publisher.start()
            ingestion = Ingestion(app.state.db, publisher, app.state.outbox, settings)
            app.state.ingestion = ingestion
            monitor = ActivityMonitor(
                app.state.db, app.state.outbox, settings.stale_check_interval_s
            )
            monitor.start()
            bridge = None
            if settings.mqtt_enabled:
                bridge = MqttBridge(ingestion, group=settings.consumer_group or "klimaby-sensors")
                bridge.start()
            app.state.mqtt_bridge = bridge
            tune_garbage_collection()
            try:
                yield
            finally:
                if bridge:
                    await bridge.stop()
                await monitor.stop()
                await publisher.stop()

    return lifespan


def _document_batch_formats(app: FastAPI) -> None:
    """``POST /v1/readings`` reads its body itself (two formats); put their schemas in the spec."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = default_openapi()
        _, defs = models_json_schema(
            [(ReadingBatch, "validation"), (SenMLRecord, "validation")],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
