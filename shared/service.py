"""The one way a Klimaby service is assembled: lifespan-managed engine, producer, outbox relay
and consumers; problem details; health, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import MetaData
from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import verifier_for
from shared.db import Database
from shared.guards import InputGuard
from shared.identity.revocations import (
    DenyList,
    HttpRevocations,
    RevocationLoader,
    RevocationPoller,
)
from shared.messaging.consumer import MAX_RECORDS, Handler, IdempotentConsumer, RecordDecoder
from shared.messaging.kafka import broker_reachable, ensure_topics, make_producer
from shared.messaging.outbox import Outbox, OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.observability import configure_logging, install_metrics, install_request_ids
from shared.openapi import document_openapi
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
    # A fast decoder for the records this group reads most (see shared.messaging.consumer).
    decoder: RecordDecoder | None = None
    # Fetch-and-apply loops over disjoint shares of the partitions (PostgreSQL only): one
    # lane's database work overlaps another's Python. Worth it where a batch's Python and its
    # transaction take comparable time (the readings' accounting).
    lanes: int = 1
    # How long a small fetch waits for more records before it is applied (see
    # IdempotentConsumer._linger): fewer, larger transactions under a steady load.
    linger_ms: int = 0
    # The most records one fetch (and so one transaction) applies.
    max_records: int = MAX_RECORDS


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
    # Where this service reads revoked token ids; default: the inventory's list over HTTP.
    revocations: Callable[[FastAPI], RevocationLoader] | None = None


def database_for(settings: ServiceSettings) -> Database:
    return Database(
        settings.effective_database_url,
        settings.effective_database_schema,
        application_name=f"klimaby-{settings.service_name}",
    )


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
                decoder=c.decoder,
                lanes=c.lanes,
                linger_ms=c.linger_ms,
                max_records=c.max_records,
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
        revocations = RevocationPoller(
            app.state.deny_list,
            spec.revocations(app)
            if spec.revocations
            else HttpRevocations(settings.effective_revocations_url),
            settings.revocations_poll_s,
        )
        # Once before the first request: a restarted service must not take a revoked token.
        await revocations.poll_once()
        revocations.start()
        tasks = [revocations, *(make(app) for make in spec.tasks)]
        for task in tasks[1:]:
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

    # Swagger UI and ReDoc from the assets packaged with fastapi-offline: municipal networks
    # are often closed, and a CDN-hosted /docs is a blank page there.
    app = FastAPIOffline(
        title=spec.title,
        description=spec.description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=spec.openapi_tags,
        static_url="/docs/assets",
    )
    # Built with the app (not in the lifespan) so that every request path finds it.
    app.state.deny_list = DenyList()
    app.state.verifier = verifier_for(settings, app.state.deny_list)
    install_problem_handlers(app)
    document_openapi(app)
    install_metrics(
        app,
        settings.service_name,
        settings.metrics_token.get_secret_value() if settings.metrics_token else None,
    )
    app.add_middleware(
        InputGuard,
        max_body_bytes=settings.max_request_bytes,
        max_json_depth=settings.max_json_depth,
        auth_failure_limit=settings.auth_failures_per_minute,
    )
    install_security_headers(app)
    install_request_ids(app, access_log_enabled=settings.access_log)
    app.include_router(health_router())
    app.include_router(developer_docs_router())
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


DOCS_PAGES = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/developers"})
# The docs pages load nothing but this service's own assets: ReDoc's bundle shows a logo from
# its vendor's CDN, which a closed network cannot reach and which must not be fetched at all.
# Swagger UI starts from an inline script; ReDoc styles inline and parses in a blob: worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


def install_security_headers(app: FastAPI) -> None:
    """Headers every answer carries; ``no-store`` on answers to writes, which may carry a
    secret shown once (a new API key, an invitation code); HSTS only when served over TLS."""
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """``install_security_headers`` as plain ASGI middleware (see ``RequestIds``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                    headers.setdefault("Cache-Control", "no-store")
                url = URL(scope=scope)
                if url.path in DOCS_PAGES:
                    headers.setdefault("Content-Security-Policy", DOCS_CSP)
                forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
                if url.scheme == "https" or forwarded.split(",")[0].strip() == "https":
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_secured)


DOC_PORTS = {"inventory": 8001, "contracts": 8002, "sensors": 8003, "hub": 8004}


def doc_ports() -> dict[str, int]:
    """Each service's port as this installation runs it: ``<SERVICE>_PORT`` (``klimaby run``
    gives every process all four), else the default."""
    ports: dict[str, int] = {}
    for name, default in DOC_PORTS.items():
        given = os.environ.get(f"{name.upper()}_PORT", "")
        ports[name] = int(given) if given.isdigit() and 0 < int(given) < 65536 else default
    return ports


def developer_docs_router() -> APIRouter:
    """``/developers``: one landing page linking every service's API docs and the AsyncAPI
    document of the topics, all served from this installation (nothing from the Internet)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/developers", response_class=HTMLResponse)
    async def developers(request: Request) -> HTMLResponse:
        host = request.url.hostname or "127.0.0.1"
        scheme = request.url.scheme
        rows = "".join(
            f'<li><strong>{name}</strong>: <a href="{scheme}://{host}:{port}/docs">Swagger UI</a>'
            f' · <a href="{scheme}://{host}:{port}/redoc">ReDoc</a>'
            f' · <a href="{scheme}://{host}:{port}/openapi.json">OpenAPI (JSON)</a></li>'
            for name, port in doc_ports().items()
        )
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Klimaby API documentation</title></head><body><main>"
            "<h1>Klimaby API documentation</h1>"
            "<p>Each service documents its REST API (OpenAPI 3.1); the Kafka topics are "
            'documented in <a href="/asyncapi.yaml">AsyncAPI</a>. Default ports; behind a '
            "proxy the same paths apply on each service's own address.</p>"
            f"<ul>{rows}</ul></main></body></html>"
        )
        return HTMLResponse(html)

    @router.get("/asyncapi.yaml", response_class=PlainTextResponse)
    async def asyncapi() -> PlainTextResponse:
        from shared.events.asyncapi import asyncapi_yaml

        return PlainTextResponse(asyncapi_yaml(), media_type="application/yaml")

    return router
