"""The one way a Klimaby service is assembled: lifespan-managed engine, producer, outbox relay
and consumers; problem details; health, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData

from shared.db import Database
from shared.messaging.consumer import Handler, IdempotentConsumer
from shared.messaging.kafka import broker_reachable, ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.observability import configure_logging, install_metrics
from shared.problems import install_problem_handlers, problem_response
from shared.settings import ServiceSettings
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of this service: its topics and the handler of one batch."""

    name: str
    topics: Sequence[str]
    handler: Callable[[FastAPI], Handler]
    dedupe_by_event_id: bool = True
    # Hand on event types this build does not know (as UntypedPayload) instead of skipping.
    accept_unknown_types: bool = False


@dataclass
class ServiceSpec:
    settings: ServiceSettings
    title: str
    description: str
    metadata: MetaData
    tables: MessagingTables
    migrations_dir: Path
    routers: Sequence[APIRouter]
    consumers: Sequence[ConsumerSpec] = field(default_factory=tuple)
    on_startup: Callable[[FastAPI], Awaitable[None]] | None = None
    openapi_tags: list[dict[str, Any]] | None = None
    # Background tasks of the service (started after the consumers, stopped before them).
    tasks: Sequence[Callable[[FastAPI], BackgroundTask]] = field(default_factory=tuple)


def database_for(settings: ServiceSettings) -> Database:
    return Database(settings.effective_database_url, settings.effective_database_schema)


async def start_producer(settings: ServiceSettings, timeout_s: float = 60.0) -> AIOKafkaProducer:
    """Start the producer, waiting for the broker (it may still be starting next to us)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        producer = make_producer(
            settings.kafka_bootstrap_servers, f"klimaby-{settings.service_name}"
        )
        try:
            await producer.start()
            return producer
        except Exception:
            await producer.stop()
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning(
                "broker not reachable yet; retrying",
                extra={"bootstrap": settings.kafka_bootstrap_servers},
            )
            await asyncio.sleep(1.0)


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database_for(settings)
        producer = await start_producer(settings)
        await ensure_topics(settings.kafka_bootstrap_servers, settings.kafka_topic_partitions)
        outbox = Outbox(spec.tables, settings.service_name)
        app.state.settings = settings
        app.state.db = db
        app.state.producer = producer
        app.state.outbox = outbox
        relay = OutboxRelay(db, outbox, producer)
        consumers = [
            IdempotentConsumer(
                db=db,
                tables=spec.tables,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                group_id=f"{settings.consumer_group or settings.service_name}.{c.name}",
                topics=c.topics,
                handler=c.handler(app),
                dedupe_by_event_id=c.dedupe_by_event_id,
                accept_unknown_types=c.accept_unknown_types,
                session_timeout_ms=settings.consumer_session_timeout_ms,
            )
            for c in spec.consumers
        ]
        app.state.consumers = consumers
        if spec.on_startup:
            await spec.on_startup(app)
        if settings.outbox_relay_enabled:
            relay.start()
        if settings.consumers_enabled:
            for consumer in consumers:
                consumer.start()
        tasks = [make(app) for make in spec.tasks]
        for task in tasks:
            task.start()
        log.info("service started", extra={"port": settings.effective_port})
        try:
            yield
        finally:
            for task in tasks:
                await task.stop()
            for consumer in consumers:
                await consumer.stop()
            await relay.stop()
            await producer.stop()
            await db.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=spec.openapi_tags,
    )
    install_problem_handlers(app)
    install_metrics(app, settings.service_name)
    app.include_router(health_router())
    for router in spec.routers:
        app.include_router(router)
    return app


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database and the broker are reachable")
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await request.app.state.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["broker"] = (
            "ok" if await broker_reachable(request.app.state.producer) else "unreachable"
        )
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return problem_response(
            503,
            "Service Unavailable",
            "not ready",
            kind="not-ready",
            extra={"checks": checks},
            headers={"Retry-After": "5"},
        )

    return router
