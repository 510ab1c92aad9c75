"""Schemathesis over the contracts service's OpenAPI document with every check it offers
(``--checks all``, see tests/fuzz/checks.py): no 5xx, and every answer is the one the document
declares, invalid input refused, valid input accepted.

The real ASGI app runs with its lifespan (database migrated, producer on the session's broker)
with a known city, a partner, an MoU with a commitment, an invitation and a climate account,
whose ids go into the paths; every call carries a valid admin token so that generated input
reaches the code behind authentication, and a second pass carries the partner's own token."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.python import asgi

from services.contracts.cities.service import learn_city
from services.contracts.main import create_app
from services.contracts.settings import Settings
from services.registry import SERVICES
from shared.auth import issue_token
from shared.db import Database
from shared.events.payloads import CityRegistered
from shared.migrations import upgrade
from tests.contracts.helpers import COMMITMENT
from tests.fuzz.checks import Failures, cases, fuzz_settings

MAX_EXAMPLES = int(os.environ.get("KLIMABY_FUZZ_EXAMPLES", "3"))
FUZZ = fuzz_settings(MAX_EXAMPLES)
CITY = f"fuzzby-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def contracts_app(broker: str, database_url: str, unique_schema: str) -> Iterator[FastAPI]:
    cfg = Settings(
        database_url=database_url,
        database_schema=f"{unique_schema}_contracts"
        if database_url.startswith("postgres")
        else None,
        kafka_bootstrap_servers=broker,
        consumer_group=f"contracts-fuzz-{unique_schema}",
        consumers_enabled=False,
        # ignored_auth's invalid credentials would earn a 429 (tested in test_input_guards).
        auth_failures_per_minute=0,
    )
    db = Database(cfg.effective_database_url, cfg.effective_database_schema)

    async def prepare() -> None:
        await upgrade(db, SERVICES["contracts"].migrations_dir)
        async with db.transaction() as session:
            await learn_city(session, CityRegistered(city=CITY, name="Fuzzby"), datetime.now(UTC))
        await db.dispose()

    asyncio.run(prepare())
    app = create_app(cfg)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


def _fixtures(app: FastAPI, admin: str) -> dict[str, Any]:
    """A partner with an MoU (one commitment), an invitation and a climate account."""
    auth = {"Authorization": f"Bearer {admin}"}
    base = f"http://{asgi.HOST}"
    with asgi.get_client(app) as client:
        r = client.post(
            f"{base}/v1/partners",
            json={"city": CITY, "name": "Fuzz AS", "helix": "business"},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        partner = r.json()["id"]
        r = client.post(
            f"{base}/v1/mous",
            json={
                "partner_id": partner,
                "title": "Fuzz",
                "period_start": "2025-01-01",
                "period_end": "2026-12-31",
                "commitments": [COMMITMENT],
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
        mou = r.json()
        r = client.post(f"{base}/v1/partners/{partner}/invitations", json={}, headers=auth)
        assert r.status_code == 201, r.text
        invitation = r.json()["id"]
        r = client.put(
            f"{base}/v1/partners/{partner}/climate-accounts/2024",
            json={
                "scope1_tco2e": "1",
                "scope2_location_tco2e": "1",
                "gases": ["CO2"],
                "method": "GHG Protocol",
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
    return {
        "partner_id": partner,
        "mou_id": mou["id"],
        "commitment_id": mou["commitments"][0]["id"],
        "invitation_id": invitation,
        "year": 2024,
    }


def test_every_generated_request_passes_every_check(contracts_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", contracts_app)
    admin = issue_token("fuzz", "admin")
    real = _fixtures(contracts_app, admin)
    partner = issue_token("fuzz-partner", "partner", CITY, partner=real["partner_id"])
    failures = Failures()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        params = {k: v for k, v in real.items() if "{" + k + "}" in operation.path}
        strategy = st.tuples(cases(operation, params), st.sampled_from([admin, partner]))

        @given(drawn=strategy)
        @FUZZ
        def call(drawn: tuple[schemathesis.Case, str]) -> None:
            case, token = drawn
            failures.call_and_check(case, {"Authorization": f"Bearer {token}"})

        call()
    assert operations >= 20
    assert not failures.found, failures.report()
