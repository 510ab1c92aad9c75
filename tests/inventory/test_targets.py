"""Climate targets: a baseline (stated, or a published inventory), net zero with residual
emissions and removals, sector exemptions, and linear trajectories per sector and city."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import httpx
from sqlalchemy import select

from services.inventory.gpc.catalogue import required_cells
from tests.conftest import ServiceClientFactory
from tests.inventory.test_accounting_live import API_ONLY, problem_field, register_city

T = 1_000_000_000  # mg per tonne

BASELINE = {"I": "1200.5", "II": "800", "III": "150.25", "V": "49.25"}
NET_ZERO_2030: dict[str, Any] = {
    "baseline": {"source": "stated", "year": 2019, "sectors": BASELINE},
    "target_year": 2030,
    "reduction_percent": "95",
    "net_zero": True,
    "removals_tco2e": "110",
    "description": "Net zero 2030: 95 % cut, the rest balanced by carbon capture",
}


def linear(baseline_t: str, cut: str, from_year: int, to_year: int, year: int) -> int:
    """The trajectory as the test states it: straight from the baseline to what the cut
    leaves, flat after; whole mg, half-even."""
    base = Fraction(Decimal(baseline_t)) * T
    final = base * (1 - Fraction(Decimal(cut)) / 100)
    if year >= to_year:
        point = final
    else:
        point = base + (final - base) * Fraction(year - from_year, to_year - from_year)
    exact = Decimal(point.numerator) / Decimal(point.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def points(trajectory: dict[str, Any], sector: str | None = None) -> dict[int, int]:
    if sector is None:
        rows = trajectory["city_trajectory"]
    else:
        rows = next(s for s in trajectory["sectors"] if s["sector"] == sector)["points"]
    return {p["year"]: p["co2e_mg"] for p in rows}


async def test_a_transport_exemption_to_2040_changes_that_sectors_trajectory_and_nothing_else(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        r = await client.post(f"/v1/cities/{city}/targets", json=NET_ZERO_2030, headers=auth)
        assert r.status_code == 201, r.text
        plain = r.json()
        before = (await client.get(f"/v1/cities/{city}/targets/trajectory")).json()

        exempt = {
            **NET_ZERO_2030,
            "exemptions": [
                {"sector": "II", "target_year": 2040, "reason": "heavy transport needs longer"}
            ],
            # Without transport in 2030's net zero, less has to be balanced.
            "removals_tco2e": "70.1",
        }
        r = await client.post(f"/v1/cities/{city}/targets", json=exempt, headers=auth)
        assert r.status_code == 201, r.text
        target = r.json()
        after = (await client.get(f"/v1/cities/{city}/targets/trajectory")).json()

        # Transport: its own line to 2040, computed here independently.
        assert points(after, "II") == {
            y: linear("800", "95", 2019, 2040, y) for y in range(2019, 2041)
        }
        assert points(before, "II") == {
            y: linear("800", "95", 2019, 2030, y) for y in range(2019, 2031)
        }
        # Every other sector: exactly as before, year by year (the lines now run to 2040, the
        # last target year; after 2030 they stay flat, as they would have).
        for sector in ("I", "III", "V"):
            expected = {y: linear(BASELINE[sector], "95", 2019, 2030, y) for y in range(2019, 2041)}
            assert points(after, sector) == expected
            assert points(before, sector) == {y: expected[y] for y in range(2019, 2031)}
        # The city's line is the sum of its sectors', so it moves by transport's difference only.
        for year, mg in points(after).items():
            assert mg == sum(points(after, s)[year] for s in ("I", "II", "III", "V"))
            if year <= 2030:
                moved = points(after, "II")[year] - points(before, "II")[year]
                assert mg - points(before)[year] == moved
        # The target itself is unchanged, and transport stays in every total.
        for key in ("target_year", "reduction_percent", "baseline_year", "baseline_co2e_mg"):
            assert target[key] == plain[key]
        sectors = {s["sector"]: s for s in target["sectors"]}
        assert sectors["II"]["exempted"] and sectors["II"]["target_year"] == 2040
        assert not any(s["exempted"] for k, s in sectors.items() if k != "II")
        assert target["baseline_co2e_mg"] == sum(int(Decimal(t) * T) for t in BASELINE.values())
        assert target["exempted_in_target_year_co2e_mg"] == linear("800", "95", 2019, 2040, 2030)
        # Residual in 2030: 5 % of the sectors the 2030 goal covers.
        residual = sum(linear(BASELINE[s], "95", 2019, 2030, 2030) for s in ("I", "III", "V"))
        assert target["residual_co2e_mg"] == residual
        assert plain["residual_co2e_mg"] == residual + linear("800", "95", 2019, 2030, 2030)

        versions = (await client.get(f"/v1/cities/{city}/targets/versions")).json()
        assert [(v["version"], v["is_current"]) for v in versions] == [(1, False), (2, True)]
        old = (
            await client.get(f"/v1/cities/{city}/targets/trajectory", params={"version": 1})
        ).json()
        assert old == before


async def test_the_baseline_can_be_a_published_inventory(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        inventories = f"/v1/cities/{city}/inventories"
        r = await client.post(inventories, json={"year": 2019, "level": "BASIC"}, headers=auth)
        assert r.status_code == 201, r.text
        figures = {"I.1.1": "1000", "II.1.1": "600.5", "III.1.1": "200"}
        for cell in required_cells("BASIC"):
            body: dict[str, Any] = {"kind": "notation", "notation_key": "NO"}
            if cell.reference in figures:
                body = {
                    "kind": "reported",
                    "emissions": {"CO2": figures[cell.reference]},
                    "method": "operators' reports",
                    "data_source": "municipal statistics",
                    "data_quality": "reported",
                }
            r = await client.put(
                f"{inventories}/2019/versions/1/entries/{cell.reference}", json=body, headers=auth
            )
            assert r.status_code == 201, r.text
        target = {**NET_ZERO_2030, "baseline": {"source": "inventory", "year": 2019}}
        # A draft is no baseline.
        r = await client.post(f"/v1/cities/{city}/targets", json=target, headers=auth)
        assert r.status_code == 422 and problem_field(r) == "/body/baseline/year"

        r = await client.post(f"{inventories}/2019/versions/1/publish", headers=auth)
        assert r.status_code == 200, r.text
        target["removals_tco2e"] = "90.025"  # 5 % of 1800.5 t
        r = await client.post(f"/v1/cities/{city}/targets", json=target, headers=auth)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["baseline_source"] == "inventory"
        assert body["baseline_inventory"] == f"{city}/2019/v1"
        assert {s["sector"]: s["baseline_co2e_mg"] for s in body["sectors"]} == {
            "I": 1000 * T,
            "II": int(Decimal("600.5") * T),
            "III": 200 * T,
        }


async def test_target_errors_are_problems_naming_the_field(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        url = f"/v1/cities/{city}/targets"
        auth = bearer(city_token(city))

        async def post(change: dict[str, Any], headers: dict[str, str] = auth) -> httpx.Response:
            return await client.post(url, json={**NET_ZERO_2030, **change}, headers=headers)

        cases: list[tuple[dict[str, Any], int, str]] = [
            ({"removals_tco2e": "100"}, 422, "/body/removals_tco2e"),  # residual is 110.0 t
            ({"target_year": 2019}, 422, "/body/target_year"),
            ({"reduction_percent": "0"}, 422, "/body/reduction_percent"),
            ({"reduction_percent": "100.5"}, 422, "/body/reduction_percent"),
            ({"removals_tco2e": "1.0000000001"}, 422, "/body/removals_tco2e"),
            (
                {"baseline": {"source": "stated", "year": 2019, "sectors": {"VI": "1"}}},
                422,
                "/body/baseline/stated/sectors/VI/[key]",
            ),
            (
                {"baseline": {"source": "stated", "year": 2019, "sectors": {"I": "-1"}}},
                422,
                "/body/baseline/stated/sectors/I",
            ),
            ({"baseline": {"source": "census", "year": 2019}}, 422, "/body/baseline"),
            (
                {"exemptions": [{"sector": "II", "target_year": 2030, "reason": "x"}]},
                422,
                "/body/exemptions/0/target_year",
            ),
            (
                {"exemptions": [{"sector": "IV", "target_year": 2040, "reason": "x"}]},
                422,
                "/body/exemptions/0/sector",
            ),
            (
                {
                    "exemptions": [
                        {"sector": "II", "target_year": 2040, "reason": "x"},
                        {"sector": "II", "target_year": 2045, "reason": "y"},
                    ]
                },
                422,
                "/body/exemptions/1/sector",
            ),
            (
                {"exemptions": [{"sector": "II", "target_year": 2040}]},
                422,
                "/body/exemptions/0/reason",
            ),
            ({"colour": "green"}, 422, "/body/colour"),
            ({"description": "net zero\x00"}, 422, "/body/description"),
            ({"description": "x" * 2001}, 422, "/body/description"),
        ]
        for change, status, field in cases:
            r = await post(change)
            assert (r.status_code, problem_field(r)) == (status, field), (change, r.text)

        r = await post({}, headers={})
        assert r.status_code == 401
        r = await post({}, headers=bearer(city_token("oslo")))
        assert r.status_code == 403 and problem_field(r) == "/path/city"
        r = await client.post(
            "/v1/cities/atlantis/targets", json=NET_ZERO_2030, headers=bearer(admin_token)
        )
        assert r.status_code == 404 and problem_field(r) == "/path/city"
        r = await client.get(url)
        assert r.status_code == 404 and problem_field(r) == "/path/city"
        r = await client.get(f"{url}/trajectory", params={"version": 0})
        assert r.status_code == 422 and problem_field(r) == "/query/version"

        # An admin may set any city's target; then a missing version is a 404 on the query.
        r = await post({}, headers=bearer(admin_token))
        assert r.status_code == 201, r.text
        r = await client.get(f"{url}/trajectory", params={"version": 7})
        assert r.status_code == 404 and problem_field(r) == "/query/version"


async def test_setting_a_target_stages_target_set_with_its_trajectory(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    """Each version is announced in the transaction that sets it, with the trajectory the
    module computes (the hub draws it and never re-implements the rule)."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        first = await client.post(f"/v1/cities/{city}/targets", json=NET_ZERO_2030, headers=auth)
        assert first.status_code == 201, first.text
        exempt = {
            **NET_ZERO_2030,
            "exemptions": [{"sector": "II", "target_year": 2040, "reason": "heavy transport"}],
            "removals_tco2e": "70.1",
        }
        second = await client.post(f"/v1/cities/{city}/targets", json=exempt, headers=auth)
        assert second.status_code == 201, second.text
        trajectory = (await client.get(f"/v1/cities/{city}/targets/trajectory")).json()
        # A refused target stages nothing (its transaction is rolled back).
        bad = {**NET_ZERO_2030, "removals_tco2e": "1"}
        r = await client.post(f"/v1/cities/{city}/targets", json=bad, headers=auth)
        assert r.status_code == 422, r.text

        outbox = app.state.outbox.tables.outbox
        async with app.state.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.payload, outbox.c.topic, outbox.c.key).where(
                        outbox.c.event_type == "no.klimaby.target.set"
                    )
                )
            ).all()
    events = [json.loads(row.payload) for row in rows if row.key == city]
    assert {(row.topic, row.key) for row in rows if row.key == city} == {
        ("inventory.events.v1", city)
    }
    assert [(e["data"]["version"], e["data"]["previous_version"]) for e in events] == [
        (1, None),
        (2, 1),
    ]
    data = events[1]["data"]
    assert events[1]["subject"] == f"{city}/targets/versions/2"
    assert (data["baseline_year"], data["target_year"], data["baseline_source"]) == (
        2019, 2030, "stated")  # fmt: skip
    assert Decimal(data["reduction_percent"]) == 95
    baseline_mg = sum(int(Decimal(t) * T) for t in BASELINE.values())
    assert data["baseline_co2e_mg"] == baseline_mg
    # The event's lines are the trajectory endpoint's, point for point, city and sectors.
    assert {p["year"]: p["co2e_mg"] for p in data["trajectory"]} == points(trajectory)
    for sector in data["sectors"]:
        assert {p["year"]: p["co2e_mg"] for p in sector["trajectory"]} == points(
            trajectory, sector["sector"]
        )
    transport = next(s for s in data["sectors"] if s["sector"] == "II")
    assert (transport["target_year"], transport["exempted"]) == (2040, True)
    assert data["trajectory"][0] == {"year": 2019, "co2e_mg": baseline_mg}
    assert data["trajectory"][-1]["year"] == 2040
    # And independently of the module: transport's 2035 point on its own line to 2040.
    assert points(trajectory, "II")[2035] == linear("800", "95", 2019, 2040, 2035)
