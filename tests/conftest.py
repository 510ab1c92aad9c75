"""Fixtures on real parts: the Tansu broker (or KAFKA_BOOTSTRAP_SERVERS) and PostgreSQL.

Database-backed tests take the ``database_url`` fixture and run once on SQLite and once on
PostgreSQL. PostgreSQL missing means skip locally, and failure when KLIMABY_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from services.registry import SERVICES
from shared.broker import start_broker
from shared.db import Database
from tests.templates import PostgresTemplates, SqliteTemplates, migrate_and_seed

# The browser tests' module-scoped Chromium (tests/browser.py), one definition for every suite.
pytest_plugins = ["tests.browser"]

PG_ADMIN_DSN = os.environ.get(
    "KLIMABY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("KLIMABY_REQUIRE_POSTGRES") == "1"

os.environ.setdefault("KLIMABY_ENVIRONMENT", "test")
os.environ.setdefault("KLIMABY_AUTH_SECRET", "test-secret-" + uuid.uuid4().hex)
# The built-in issuer's signing keys of this session (every service and issue_token share
# them, as the processes of `make run` share var/).
os.environ.setdefault(
    "KLIMABY_BUILTIN_KEYS_FILE",
    str(Path(tempfile.mkdtemp(prefix="klimaby-keys-")) / "oidc-signing-keys.json"),
)
os.environ.setdefault("KLIMABY_LOG_JSON", "false")
# Tansu holds each JoinGroup for session_timeout/2 (in whole seconds: 3000 ms still waits 2 s),
# and nearly every test starts a consumer group of its own: 2000 ms makes each join 1 s instead
# of 3 s. Heartbeats go every 500 ms (shared/messaging/consumer.py), four per session timeout; a
# member the broker drops anyway rejoins and resumes from its stored offsets.
os.environ.setdefault("KLIMABY_CONSUMER_SESSION_TIMEOUT_MS", "2000")
os.environ.setdefault("KLIMABY_TOPIC_PARTITIONS", "4")


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    """Bootstrap servers of a real Kafka-protocol broker for the whole session."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    embedded = start_broker()
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = embedded.bootstrap_servers
    try:
        yield embedded.bootstrap_servers
    finally:
        os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        embedded.stop()


async def _pg_available() -> str | None:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database created for this session and dropped after it; returns its URL."""
    problem = asyncio.run(_pg_available())
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (KLIMABY_REQUIRE_POSTGRES=1) but: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"klimaby_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
def unique_schema() -> str:
    """Each test gets its own schemas on the session's PostgreSQL database."""
    return "t" + uuid.uuid4().hex[:10]


ServiceClientFactory = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    """Each service's SQLite database, migrated and seeded once (see tests/templates.py)."""
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def pg_templates(pg_database: str) -> PostgresTemplates:
    """Each service's PostgreSQL schema, migrated and seeded once and written out as SQL that
    makes each test's schema (see tests/templates.py)."""
    return PostgresTemplates(PG_ADMIN_DSN, pg_database)


@pytest.fixture
def service_client(
    request: pytest.FixtureRequest, broker: str, database_url: str, unique_schema: str
) -> ServiceClientFactory:
    """``async with service_client("inventory") as (app, client)``: the service's real app,
    migrated and seeded (a copy of the session's migrated template, see tests/templates.py),
    its lifespan running (producer, relay, consumers), on the test's database."""
    postgres = database_url.startswith("postgres")
    templates: PostgresTemplates | None = (
        request.getfixturevalue("pg_templates") if postgres else None
    )
    sqlite: SqliteTemplates | None = (
        None if postgres else request.getfixturevalue("sqlite_templates")
    )
    prepared: set[str] = set()

    async def prepare(name: str, url: str, schema: str | None) -> None:
        """The service's migrated and seeded database for this test."""
        if name not in prepared:
            # First start in this test: a copy of the session's template.
            prepared.add(name)
            if sqlite is not None and await sqlite.copy_to(
                name, Path(make_url(url).database or "")
            ):
                return
            if templates is not None and templates.available and schema is not None:
                await templates.create_schema(name, schema)
                return
        # A restart in the same test: migrate and seed again, as ``klimaby run`` does.
        db = Database(url, schema)
        try:
            await migrate_and_seed(db, name)
        finally:
            await db.dispose()

    @asynccontextmanager
    async def factory(
        name: str, **overrides: Any
    ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        entry = SERVICES[name]
        url = database_url
        if url.startswith("sqlite"):
            url = url.replace("test.db", f"{name}.db")  # each service owns its own file
        schema = f"{unique_schema}_{name}" if postgres else None
        await prepare(name, url, schema)
        settings = entry.settings(
            database_url=url,
            database_schema=schema,
            kafka_bootstrap_servers=broker,
            consumer_group=f"{name}-{unique_schema}",
            **overrides,
        )
        module = __import__(f"{entry.module}.main", fromlist=["create_app"])
        app: FastAPI = module.create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield app, client

    return factory


@pytest.fixture
def admin_token() -> str:
    from shared.auth import issue_token

    return issue_token("test-admin", "admin")


@pytest.fixture
def city_token() -> Callable[[str], str]:
    from shared.auth import issue_token

    def make(city: str) -> str:
        return issue_token(f"test-{city}", "city", city)

    return make
