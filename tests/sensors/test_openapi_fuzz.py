"""Schemathesis over the sensors service's OpenAPI document with every check it offers
(``--checks all``, see tests/fuzz/checks.py): no 5xx, and every answer is the one the document
declares, invalid input refused, valid input accepted.

The real ASGI app runs with its lifespan (database migrated, producer on the session's broker),
with a registered gateway and sensor, and every call carries a valid admin token and gateway key
so that generated input reaches the code behind authentication."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import given
from schemathesis.python import asgi

from services.registry import SERVICES
from services.sensors.main import create_app
from services.sensors.settings import Settings
from shared.auth import issue_token
from shared.db import Database
from shared.migrations import upgrade
from tests.fuzz.checks import Failures, cases, fuzz_settings
from tests.helpers import publish_city_registered

MAX_EXAMPLES = int(os.environ.get("KLIMABY_FUZZ_EXAMPLES", "5"))
FUZZ = fuzz_settings(MAX_EXAMPLES)


@pytest.fixture
def sensors_app(broker: str, database_url: str, unique_schema: str) -> Iterator[FastAPI]:
    cfg = Settings(
        database_url=database_url,
        database_schema=f"{unique_schema}_sensors" if database_url.startswith("postgres") else None,
        kafka_bootstrap_servers=broker,
        consumer_group=f"sensors-fuzz-{unique_schema}",
        rate_limit_requests_per_minute=0,
        # ignored_auth's invalid credentials would earn a 429 (tested in test_input_guards).
        auth_failures_per_minute=0,
    )
    db = Database(cfg.effective_database_url, cfg.effective_database_schema)

    async def migrate() -> None:
        await upgrade(db, SERVICES["sensors"].migrations_dir)
        await db.dispose()

    asyncio.run(migrate())
    app = create_app(cfg)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


def test_every_generated_request_passes_every_check(sensors_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", sensors_app)
    admin = issue_token("fuzz", "admin")
    # Gateway A posts readings for its sensor; gateway B's ids go into paths, where generated
    # calls may disable it, rotate its keys or deactivate its sensor.
    poster, victim = _gateway(sensors_app, admin), _gateway(sensors_app, admin)
    headers = {"Authorization": f"Bearer {admin}", "X-Api-Key": poster["api_key"]}
    real = {
        "gateway_id": victim["id"],
        "sensor_id": victim["sensor_id"],
        "key_id": victim["key_id"],
    }
    failures = Failures()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        params = {k: v for k, v in real.items() if "{" + k + "}" in operation.path}

        @given(case=cases(operation, params))
        @FUZZ
        def call(case: schemathesis.Case) -> None:
            _aim_at(case, poster["sensor_id"])
            failures.call_and_check(case, headers)

        call()
    assert operations >= 15
    assert not failures.found, failures.report()


def _aim_at(case: schemathesis.Case, sensor_id: str) -> None:
    """Point some generated readings at a real sensor, so that they get past its lookup."""
    if case.path != "/v1/readings":
        return
    items = case.body.get("readings") if isinstance(case.body, dict) else case.body
    if isinstance(items, list):
        for item in items[::2]:
            if isinstance(item, dict):
                item["n" if "n" in item or "v" in item else "sensor_id"] = sensor_id


def _gateway(app: FastAPI, admin: str) -> dict[str, str]:
    """Register a gateway with one sensor: its id, key, key id and sensor id."""
    auth = {"Authorization": f"Bearer {admin}"}
    city = f"fuzz-{uuid.uuid4().hex[:6]}"
    with asgi.get_client(app) as client:
        asyncio.run(publish_city_registered(app.state.settings.kafka_bootstrap_servers, city))
        base = f"http://{asgi.HOST}"
        # The service learns the city from the broker: bounded polling until it does.
        for _ in range(900):
            r = client.post(f"{base}/v1/gateways", json={"city": city, "name": "g"}, headers=auth)
            if r.status_code != 404:
                break
            time.sleep(0.1)
        assert r.status_code == 201, r.text
        gateway: dict[str, Any] = r.json()
        r = client.post(
            f"{base}/v1/gateways/{gateway['id']}/sensors",
            json={"external_id": "m", "kind": "energy_meter", "gpc_reference": "I.1.2"},
            headers=auth,
        )
        assert r.status_code == 201, r.text
    key = gateway["api_key"]
    return {
        "id": gateway["id"],
        "api_key": key,
        "key_id": key.removeprefix("kgw_").split(".")[0],
        "sensor_id": r.json()["id"],
    }
