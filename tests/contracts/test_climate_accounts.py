"""Partners' yearly climate accounts: reported by the partner itself (or its city), published
or not, and their trend against the partner's own commitments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from services.contracts.db import messaging
from tests.contracts.helpers import bearer, move, propose_mou, register_partner, sign

ACCOUNT: dict[str, Any] = {
    "scope1_tco2e": "1000",
    "scope2_location_tco2e": "50.5",
    "scope2_market_tco2e": "400",
    "scope3": [{"category": 6, "tco2e": "20"}, {"category": 1, "tco2e": "200"}],
    "gases": ["CO2", "CH4", "N2O"],
    "method": "GHG Protocol Corporate Standard",
    "tool": "Klimakost",
    "verification": "third_party",
    "verifier": "Revisjon AS",
    "published": True,
    "published_url": "https://example.no/klimaregnskap-2022.pdf",
}


async def test_a_partner_reports_its_own_account_and_replaces_it(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    app, client = contracts
    partner = await register_partner(client, city, city_token(city), helix="business")
    own = bearer(partner_token(partner["id"], city))
    url = f"/v1/partners/{partner['id']}/climate-accounts"

    r = await client.put(f"{url}/2022", json=ACCOUNT, headers=own)
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["scope1_tco2e"] == "1000.000000000"
    assert account["scope2_location_tco2e"] == "50.500000000"
    assert account["scope2_market_tco2e"] == "400.000000000"
    assert account["scope3"] == [
        {"category": 1, "name": "Purchased goods and services", "tco2e": "200.000000000"},
        {"category": 6, "name": "Business travel", "tco2e": "20.000000000"},
    ]
    assert account["scope3_tco2e"] == "220.000000000"
    assert account["total_tco2e"] == "1270.500000000"
    assert account["total_market_tco2e"] == "1620.000000000"
    assert account["reported_by"] == f"test-partner-{partner['id']}"

    r = await client.put(f"{url}/2022", json={**ACCOUNT, "scope1_tco2e": "900"}, headers=own)
    assert r.status_code == 200, r.text
    assert r.json()["total_tco2e"] == "1170.500000000"
    assert (await client.get(f"{url}/2022")).json()["scope1_tco2e"] == "900.000000000"
    # The city may enter it on the partner's behalf.
    r = await client.put(f"{url}/2023", json=ACCOUNT, headers=bearer(city_token(city)))
    assert r.status_code == 201
    assert [a["year"] for a in (await client.get(url)).json()] == [2022, 2023]

    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        reported = (
            await session.execute(
                select(outbox.c.payload).where(
                    outbox.c.key == city,
                    outbox.c.event_type == "no.klimaby.climate_account.reported",
                ).order_by(outbox.c.id)
            )
        ).scalars().all()  # fmt: skip
    assert len(reported) == 3
    assert '"replaced":false' in reported[0].replace(" ", "")
    assert '"replaced":true' in reported[1].replace(" ", "")
    assert '"total_co2e_mg":1170500000000' in reported[1].replace(" ", "")


async def test_nobody_else_reports_for_a_partner(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, city_token(city))
    other = await register_partner(client, city, city_token(city), name="Naboen AS")
    url = f"/v1/partners/{partner['id']}/climate-accounts/2023"
    for credential in (partner_token(other["id"], city), city_token("bergen")):
        r = await client.put(url, json=ACCOUNT, headers=bearer(credential))
        assert r.status_code == 403, r.text
    assert (await client.put(url, json=ACCOUNT)).status_code == 401
    assert (await client.get(f"/v1/partners/{partner['id']}/climate-accounts")).json() == []


async def test_an_unpublished_account_is_seen_only_by_the_partner_and_its_city(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, city_token(city))
    own = bearer(partner_token(partner["id"], city))
    url = f"/v1/partners/{partner['id']}/climate-accounts"
    draft = {**ACCOUNT, "published": False, "published_url": None}
    assert (await client.put(f"{url}/2024", json=draft, headers=own)).status_code == 201
    assert (await client.get(url)).json() == []
    assert (await client.get(f"{url}/2024")).status_code == 404
    assert [a["year"] for a in (await client.get(url, headers=own)).json()] == [2024]
    as_city = await client.get(f"{url}/2024", headers=bearer(city_token(city)))
    assert as_city.status_code == 200 and as_city.json()["published"] is False
    assert (await client.get(f"{url}/trend")).json()["years"] == []
    assert (await client.get(f"{url}/trend", headers=own)).json()["includes_unpublished"] is True


async def test_bad_accounts_are_422_naming_the_field(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, city_token(city))
    token = bearer(city_token(city))
    url = f"/v1/partners/{partner['id']}/climate-accounts"
    for path, body, field in (
        ("2023", {**ACCOUNT, "scope3": [{"category": 16, "tco2e": "1"}]}, "/body/scope3/0/category"),
        ("2023", {**ACCOUNT, "scope3": [{"category": 1, "tco2e": "1"}] * 2}, "/body/scope3/1/category"),
        ("2023", {**ACCOUNT, "verifier": None}, "/body/verifier"),
        ("2023", {**ACCOUNT, "gases": []}, "/body/gases"),
        ("2023", {**ACCOUNT, "gases": ["CO2", "CO2"]}, "/body/gases"),
        ("2023", {**ACCOUNT, "scope1_tco2e": "-5"}, "/body/scope1_tco2e"),
        ("2999", ACCOUNT, "/path/year"),
        ("1989", ACCOUNT, "/path/year"),
    ):  # fmt: skip
        r = await client.put(f"{url}/{path}", json=body, headers=token)
        assert r.status_code == 422, (field, r.text)
        assert r.json()["invalid-params"][0]["name"] == field
    assert (await client.get(url, headers=token)).json() == []
    r = await client.put(
        "/v1/partners/00000000-0000-4000-8000-000000000000/climate-accounts/2023",
        json=ACCOUNT,
        headers=token,
    )
    assert r.status_code == 404


def _account(total_scope1: str) -> dict[str, Any]:
    return {
        **ACCOUNT,
        "scope1_tco2e": total_scope1,
        "scope2_location_tco2e": "0",
        "scope3": [],
    }


async def test_the_trend_sets_each_years_total_against_the_commitments_due(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token, helix="business")
    own = partner_token(partner["id"], city)
    commitments = [
        {"description": "Biogass i egne lastebiler", "due_by": "2023-06-30",
         "expected_reductions": [{"sector": "II", "tco2e": "100"}]},
        {"description": "Fjernvarme i stedet for olje", "due_by": "2025-12-31",
         "expected_reductions": [{"sector": "I", "tco2e": "150"}, {"sector": "II", "tco2e": "50"}]},
    ]  # fmt: skip
    mou = await propose_mou(client, partner["id"], token, commitments=commitments)
    await sign(client, mou["id"], own, "Kari Nordmann")
    await sign(client, mou["id"], token, "Lise Berg")
    assert (await move(client, mou["id"], token, "active")).status_code == 200
    # A proposed MoU's commitments are not (yet) the partner's: they do not count.
    await propose_mou(client, partner["id"], token, title="Utkast", commitments=commitments)

    url = f"/v1/partners/{partner['id']}/climate-accounts"
    for year, scope1 in ((2022, "1000"), (2023, "950")):
        r = await client.put(f"{url}/{year}", json=_account(scope1), headers=bearer(own))
        assert r.status_code == 201, r.text
    with_scope3 = {**_account("690"), "scope3": [{"category": 6, "tco2e": "1"}]}
    assert (await client.put(f"{url}/2025", json=with_scope3, headers=bearer(own))).is_success

    trend = (await client.get(f"{url}/trend")).json()
    assert trend["base_year"] == 2022
    assert trend["base_total_tco2e"] == "1000.000000000"
    assert len(trend["commitments"]) == 2
    rows = {y["year"]: y for y in trend["years"]}
    assert sorted(rows) == [2022, 2023, 2024, 2025]
    assert rows[2022]["status"] == "nothing_due"
    assert rows[2023] == {
        "year": 2023,
        "total_tco2e": "950.000000000",
        "reduction_since_base_tco2e": "50.000000000",
        "committed_reduction_due_tco2e": "100.000000000",
        "committed_path_tco2e": "900.000000000",
        "status": "behind",
        "comparable_with_base": True,
        "scope3_categories": [],
    }
    # A year without an account is no_data, never on course.
    assert rows[2024]["status"] == "no_data"
    assert rows[2024]["total_tco2e"] is None
    assert rows[2024]["committed_path_tco2e"] == "900.000000000"
    assert rows[2025]["committed_path_tco2e"] == "700.000000000"
    assert rows[2025]["total_tco2e"] == "691.000000000"
    assert rows[2025]["status"] == "on_course"
    assert rows[2025]["comparable_with_base"] is False  # it adds scope 3 category 6
    assert rows[2025]["scope3_categories"] == [6]
