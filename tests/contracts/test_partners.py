"""Registering and reading partners over the REST API."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from services.contracts.db import messaging


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_city_registers_a_partner_and_anyone_reads_it(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    organisation_number: Callable[[], str],
) -> None:
    _, client = contracts
    number = organisation_number()
    printed = f"{number[:3]} {number[3:6]} {number[6:]}"
    r = await client.post(
        "/v1/partners",
        json={
            "city": city,
            "name": "Fjordbyen Energi AS",
            "organisation_number": printed,
            "helix": "business",
        },
        headers=bearer(city_token(city)),
    )
    assert r.status_code == 201, r.text
    partner = r.json()
    assert partner["organisation_number"] == number
    assert partner["helix"] == "business"
    assert r.headers["location"].endswith(f"/v1/partners/{partner['id']}")

    assert (await client.get(f"/v1/partners/{partner['id']}")).json() == partner
    listed = (await client.get("/v1/partners", params={"city": city})).json()
    assert listed == [partner]


async def test_a_partner_without_organisation_number_is_allowed(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    _, client = contracts
    for name in ("Nabolagsgruppa Nord", "Nabolagsgruppa Sør"):
        r = await client.post(
            "/v1/partners",
            json={"city": city, "name": name, "helix": "civil_society"},
            headers=bearer(admin_token),
        )
        assert r.status_code == 201, r.text
        assert r.json()["organisation_number"] is None
    assert len((await client.get("/v1/partners", params={"city": city})).json()) == 2


async def test_wrong_check_digit_is_422_naming_the_field_and_writes_nothing(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    organisation_number: Callable[[], str],
) -> None:
    app, client = contracts
    number = organisation_number()
    wrong = number[:8] + str((int(number[8]) + 1) % 10)
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Feil AS", "organisation_number": wrong, "helix": "business"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert [p["name"] for p in problem["invalid-params"]] == ["/body/organisation_number"]
    assert "check digit" in problem["invalid-params"][0]["reason"]
    assert (await client.get("/v1/partners", params={"city": city})).json() == []
    async with app.state.db.transaction() as session:
        staged = await session.scalar(
            select(func.count()).select_from(messaging.outbox).where(messaging.outbox.c.key == city)
        )
    assert staged == 0


async def test_unknown_helix_is_422_naming_the_field(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    _, client = contracts
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Noen", "helix": "government"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/helix"


async def test_the_same_organisation_number_twice_in_a_city_is_409(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    organisation_number: Callable[[], str],
) -> None:
    _, client = contracts
    number = organisation_number()
    body = {"city": city, "name": "Dobbel AS", "organisation_number": number, "helix": "business"}
    assert (await client.post("/v1/partners", json=body, headers=bearer(admin_token))).is_success
    r = await client.post("/v1/partners", json=body, headers=bearer(admin_token))
    assert r.status_code == 409
    assert r.json()["invalid-params"][0]["name"] == "/body/organisation_number"
    assert len((await client.get("/v1/partners", params={"city": city})).json()) == 1

    # Another city may have the same organisation as its partner.
    other = {**body, "city": city + "-nabo"}
    assert (await client.post("/v1/partners", json=other, headers=bearer(admin_token))).is_success


async def test_writing_without_a_token_is_401(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str
) -> None:
    _, client = contracts
    r = await client.post(
        "/v1/partners", json={"city": city, "name": "Anonym", "helix": "business"}
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/v1/partners", params={"city": city})).json() == []


async def test_writing_with_another_citys_token_is_403(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Inntrenger AS", "helix": "business"},
        headers=bearer(city_token("bergen")),
    )
    assert r.status_code == 403
    assert r.json()["invalid-params"][0]["name"] == "/body/city"
    assert (await client.get("/v1/partners", params={"city": city})).json() == []


async def test_an_unknown_partner_is_404(contracts: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = contracts
    r = await client.get("/v1/partners/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    assert r.json()["status"] == 404
