"""Drafting and signing MoUs over the REST API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from services.contracts.db import messaging
from tests.contracts.test_partners import bearer


async def register_partner(client: httpx.AsyncClient, city: str, token: str) -> dict[str, Any]:
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Elvebyen Universitet", "helix": "academia"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    partner: dict[str, Any] = r.json()
    return partner


async def test_a_city_drafts_and_signs_an_mou_with_its_partner(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    r = await client.post(
        "/v1/mous",
        json={"partner_id": partner["id"], "title": "Klimapartnerskap 2030"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    mou = r.json()
    assert mou["city"] == city
    assert mou["status"] == "drafted"
    assert mou["signatory"] is None

    r = await client.post(
        f"/v1/mous/{mou['id']}/sign",
        json={"signatory": "Kari Nordmann", "signed_on": "2025-03-14"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["status"] == "signed"
    assert signed["signatory"] == "Kari Nordmann"
    assert signed["signed_on"] == "2025-03-14"
    assert signed["signed_at"] is not None

    assert (await client.get(f"/v1/mous/{mou['id']}")).json() == signed
    assert (await client.get("/v1/mous", params={"city": city})).json() == [signed]
    assert (await client.get("/v1/mous", params={"city": city, "status": "drafted"})).json() == []


async def test_signing_twice_is_409_and_publishes_one_signature(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    app, client = contracts
    partner = await register_partner(client, city, admin_token)
    mou = (
        await client.post(
            "/v1/mous",
            json={"partner_id": partner["id"], "title": "Avtale"},
            headers=bearer(admin_token),
        )
    ).json()
    first = await client.post(
        f"/v1/mous/{mou['id']}/sign",
        json={"signatory": "Ola Nordmann", "signed_on": "2025-01-02"},
        headers=bearer(admin_token),
    )
    assert first.status_code == 200
    again = await client.post(
        f"/v1/mous/{mou['id']}/sign",
        json={"signatory": "Noen Andre", "signed_on": "2025-01-03"},
        headers=bearer(admin_token),
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-signed")
    assert (await client.get(f"/v1/mous/{mou['id']}")).json()["signatory"] == "Ola Nordmann"

    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        signatures = await session.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.key == city, outbox.c.event_type == "no.klimaby.mou.signed")
        )
    assert signatures == 1


async def test_an_mou_for_an_unknown_partner_is_422_naming_the_field(
    contracts: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = contracts
    r = await client.post(
        "/v1/mous",
        json={"partner_id": "00000000-0000-4000-8000-000000000000", "title": "Ingen"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/partner_id"


async def test_a_signature_dated_in_the_future_is_422(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, admin_token)
    mou = (
        await client.post(
            "/v1/mous",
            json={"partner_id": partner["id"], "title": "Framtid"},
            headers=bearer(admin_token),
        )
    ).json()
    r = await client.post(
        f"/v1/mous/{mou['id']}/sign",
        json={"signatory": "Kari", "signed_on": str(date.today() + timedelta(days=3))},
        headers=bearer(admin_token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/signed_on"
    assert (await client.get(f"/v1/mous/{mou['id']}")).json()["status"] == "drafted"


async def test_mou_writes_need_a_token_for_the_partners_city(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, admin_token)
    draft = {"partner_id": partner["id"], "title": "Avtale"}
    assert (await client.post("/v1/mous", json=draft)).status_code == 401
    r = await client.post("/v1/mous", json=draft, headers=bearer(city_token("bergen")))
    assert r.status_code == 403
    assert r.json()["invalid-params"][0]["name"] == "/body/partner_id"

    mou = (await client.post("/v1/mous", json=draft, headers=bearer(city_token(city)))).json()
    signature = {"signatory": "Kari", "signed_on": "2025-01-02"}
    assert (await client.post(f"/v1/mous/{mou['id']}/sign", json=signature)).status_code == 401
    r = await client.post(
        f"/v1/mous/{mou['id']}/sign", json=signature, headers=bearer(city_token("bergen"))
    )
    assert r.status_code == 403
    assert (await client.get(f"/v1/mous/{mou['id']}")).json()["status"] == "drafted"


async def test_an_unknown_mou_is_404(
    contracts: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = contracts
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"/v1/mous/{unknown}")).status_code == 404
    r = await client.post(
        f"/v1/mous/{unknown}/sign",
        json={"signatory": "Kari", "signed_on": "2025-01-02"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 404
