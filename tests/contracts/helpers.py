"""Calls the contracts tests make again and again, over the real REST API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from services.contracts.cities.service import learn_city
from shared.events.payloads import CityRegistered

COMMITMENT = {
    "kind": "action",
    "description": "Elektrifisere alle egne varebiler",
    "due_by": "2027-12-31",
    "expected_reductions": [{"sector": "II", "tco2e": "120.5"}],
}


async def know_city(app: FastAPI, slug: str) -> None:
    """Make contracts know ``slug`` the way its consumer does on ``city.registered`` (the
    same function, without waiting for the broker; test_cities covers the broker path)."""
    async with app.state.db.transaction() as session:
        await learn_city(session, CityRegistered(city=slug, name=slug.title()), datetime.now(UTC))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register_partner(
    client: httpx.AsyncClient, city: str, token: str, **fields: Any
) -> dict[str, Any]:
    body = {"city": city, "name": "Elvebyen Universitet", "helix": "academia", **fields}
    r = await client.post("/v1/partners", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    partner: dict[str, Any] = r.json()
    return partner


async def propose_mou(
    client: httpx.AsyncClient, partner_id: str, token: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "partner_id": partner_id,
        "title": "Klimapartnerskap 2030",
        "period_start": "2025-01-01",
        "period_end": "2027-12-31",
        "commitments": [COMMITMENT],
        **fields,
    }
    r = await client.post("/v1/mous", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    mou: dict[str, Any] = r.json()
    return mou


async def sign(
    client: httpx.AsyncClient, mou_id: str, token: str, signatory: str, on: str = "2025-03-14"
) -> httpx.Response:
    return await client.post(
        f"/v1/mous/{mou_id}/sign",
        json={"signatory": signatory, "signed_on": on},
        headers=bearer(token),
    )


async def move(
    client: httpx.AsyncClient, mou_id: str, token: str, status: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/mous/{mou_id}/transitions", json={"status": status, **fields}, headers=bearer(token)
    )
