"""Shared pieces of the sensors tests: a city per test and readings to post."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.registry import SERVICES
from shared.auth import issue_token
from shared.db import Database
from shared.migrations import upgrade
from tests.helpers import register_city


@pytest.fixture
def city() -> str:
    return f"testby-{uuid.uuid4().hex[:8]}"


def hour_ago() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def kwh(sensor_id: str, at: datetime, value: float = 1.0, **extra: Any) -> dict[str, Any]:
    return {"sensor_id": sensor_id, "time": at.isoformat(), "value": value, "unit": "kWh", **extra}


async def live_readings(inventory: Any, city: str) -> dict[str, Any]:
    """The inventory's live totals of ``city``, registering the city there first (an unknown
    city is a 404; the readings are accounted either way)."""
    r = await inventory.get(f"/v1/cities/{city}/live")
    if r.status_code == 404:
        await register_city(inventory, issue_token("t", "admin"), city)
        r = await inventory.get(f"/v1/cities/{city}/live")
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
def service_client_on(
    database_url: str, unique_schema: str
) -> Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]:
    """Like ``service_client``, on a broker of the test's choosing (e.g. one it stops)."""

    @asynccontextmanager
    async def factory(
        name: str, bootstrap_servers: str, **overrides: Any
    ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        entry = SERVICES[name]
        url = database_url
        if url.startswith("sqlite"):
            url = url.replace("test.db", f"{name}.db")
        settings = entry.settings(
            database_url=url,
            database_schema=f"{unique_schema}_{name}" if url.startswith("postgres") else None,
            kafka_bootstrap_servers=bootstrap_servers,
            consumer_group=f"{name}-{unique_schema}",
            **overrides,
        )
        db = Database(settings.effective_database_url, settings.effective_database_schema)
        await upgrade(db, entry.migrations_dir)
        seed = importlib.import_module(f"{entry.module}.seed") if name == "inventory" else None
        if seed is not None:
            await seed.seed(db, demo=False)
        await db.dispose()
        app: FastAPI = importlib.import_module(f"{entry.module}.main").create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield app, client

    return factory
