"""Registering, reading and changing partners over the REST API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from services.contracts.db import messaging
from tests.contracts.helpers import bearer, register_partner


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
            "contact": {"name": "Kari Nordmann", "email": "kari@fjordbyen.no", "phone": "+47 22 00 00 00"},
        },
        headers=bearer(city_token(city)),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    partner = r.json()
    assert partner["organisation_number"] == number
    assert partner["helix"] == "business"
    assert partner["contact"] == {
        "name": "Kari Nordmann",
        "email": "kari@fjordbyen.no",
        "phone": "+47 22 00 00 00",
    }
    assert r.headers["location"].endswith(f"/v1/partners/{partner['id']}")

    # Anyone reads the partner; the contact person only the city (and the partner itself).
    public = {**partner, "contact": None}
    assert (await client.get(f"/v1/partners/{partner['id']}")).json() == public
    assert (await client.get("/v1/partners", params={"city": city})).json() == [public]
    as_city = await client.get(f"/v1/partners/{partner['id']}", headers=bearer(city_token(city)))
    assert as_city.json() == partner
    by_helix = await client.get("/v1/partners", params={"city": city, "helix": "academia"})
    assert by_helix.json() == []


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


async def test_unknown_helix_and_bad_contact_are_422_naming_the_field(
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
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Noen", "helix": "public", "contact": {"email": "ikke-epost"}},
        headers=bearer(admin_token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/contact/email"


async def test_the_same_organisation_number_twice_in_a_city_is_409(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    organisation_number: Callable[[], str],
    register_city: Callable[[str], Awaitable[None]],
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
    await register_city(city + "-nabo")
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


async def test_the_partner_itself_and_its_city_change_its_record_and_nobody_else(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
    organisation_number: Callable[[], str],
) -> None:
    app, client = contracts
    partner = await register_partner(client, city, city_token(city), helix="business")
    other = await register_partner(client, city, city_token(city), name="Naboen AS")
    own = partner_token(partner["id"], city)
    url = f"/v1/partners/{partner['id']}"

    number = organisation_number()
    r = await client.patch(
        url,
        json={
            "organisation_number": number,
            "contact": {"name": "Ola", "phone": "+47 99 88 77 66"},
        },
        headers=bearer(own),
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["organisation_number"] == number
    assert changed["contact"] == {"name": "Ola", "email": None, "phone": "+47 99 88 77 66"}
    assert changed["updated_by"] == f"test-partner-{partner['id']}"
    assert changed["name"] == partner["name"]  # left out: unchanged

    r = await client.patch(url, json={"helix": "public"}, headers=bearer(city_token(city)))
    assert r.status_code == 200 and r.json()["helix"] == "public"

    # Another partner, another city and a missing token are refused; nothing changed.
    for headers, status in (
        (bearer(partner_token(other["id"], city)), 403),
        (bearer(city_token("bergen")), 403),
        (bearer(partner_token(partner["id"], "bergen")), 403),
        ({}, 401),
    ):
        r = await client.patch(url, json={"name": "Kapret AS"}, headers=headers)
        assert r.status_code == status, r.text
    assert (await client.get(url)).json()["name"] == partner["name"]

    r = await client.patch(url, json={"name": None}, headers=bearer(own))
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/name"

    # A partner token writes nothing of its city: not even a new partner.
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": "Selvoppnevnt AS", "helix": "business"},
        headers=bearer(own),
    )
    assert r.status_code == 403

    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        updates = (
            await session.execute(
                select(outbox.c.payload).where(
                    outbox.c.key == city, outbox.c.event_type == "no.klimaby.partner.updated"
                ).order_by(outbox.c.id)
            )
        ).scalars().all()  # fmt: skip
    assert len(updates) == 2
    assert '"changed":["organisation_number","contact"]' in updates[0].replace(" ", "")
    assert "+47 99" not in updates[0]  # a person's data stays out of the event


async def test_a_city_nobody_registered_is_404_on_every_city_scoped_endpoint(
    contracts: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = contracts
    nowhere = "ingenby-finnes-ikke"
    r = await client.post(
        "/v1/partners",
        json={"city": nowhere, "name": "Spøkelse AS", "helix": "business"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 404, r.text
    assert r.json()["invalid-params"][0]["name"] == "/body/city"
    assert r.json()["type"].endswith("/unknown-city")
    for path in ("/v1/partners", "/v1/mous"):
        r = await client.get(path, params={"city": nowhere})
        assert r.status_code == 404, path
        assert r.json()["invalid-params"][0]["name"] == "/query/city"
