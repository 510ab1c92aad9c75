"""The action portfolio and the investment plan: dependencies without cycles, references that
hold, cost per tonne computed, and a funding gap that is cost - committed funding, exactly, in
every view (API, export JSON, CSV, HTML, the funding_changed event)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import httpx
from fastapi import FastAPI

from services.contracts.actions.portfolio import cut_mg, find_cycle
from services.contracts.actions.schemas import ExpectedReduction
from services.contracts.tracking.service import spread_over_months
from shared.events.catalogue import CONTRACTS_EVENTS
from shared.events.envelope import CloudEvent
from shared.events.payloads import FundingChanged
from tests.contracts.ccc_helpers import action, register_partner, start_ccc
from tests.contracts.test_events import read_until
from tests.contracts.test_partners import bearer


def test_the_expected_cut_is_linear_between_stated_years_and_flat_after() -> None:
    lines = [
        ExpectedReduction(gpc_reference="II.1", year=2025, reduction_tco2e=Decimal(1000)),
        ExpectedReduction(gpc_reference="II.1", year=2030, reduction_tco2e=Decimal(6000)),
    ]
    t = 10**9
    assert cut_mg(lines, 2024) == 0
    assert cut_mg(lines, 2025) == 1000 * t
    assert cut_mg(lines, 2027) == 3000 * t
    assert cut_mg(lines, 2030) == 6000 * t
    assert cut_mg(lines, 2035) == 6000 * t


def test_a_cycle_is_found_and_named() -> None:
    assert find_cycle({"A": ["B"], "B": ["C"], "C": []}) is None
    assert find_cycle({"A": ["B"], "B": ["C"], "C": ["A"], "D": []}) == ["A", "B", "C"]
    assert find_cycle({"A": ["A"]}) == ["A"]


def test_a_batch_over_two_months_is_split_pro_rata() -> None:
    from datetime import datetime

    from shared.localtime import zone

    oslo = zone("Europe/Oslo")
    start = datetime(2026, 1, 31, 23, tzinfo=oslo)
    end = datetime(2026, 2, 1, 1, tzinfo=oslo)
    assert spread_over_months(start, end, 1001) == [(2026, 1, 500), (2026, 2, 501)]
    inside = datetime(2026, 3, 3, 8, tzinfo=oslo)
    assert spread_over_months(inside, inside.replace(hour=9), 7) == [(2026, 3, 7)]


async def test_a_dependency_cycle_is_a_422_naming_the_actions(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    token = city_token(city)
    r = await client.post(
        f"/v1/cities/{city}/ccc",
        json={
            "b2_actions": [
                action("A-1", depends_on=["A-3"]),
                action("A-2", depends_on=["A-1"]),
                action("A-3", depends_on=["A-2"]),
            ]
        },
        headers=bearer(token),
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["cycle"] == ["A-1", "A-3", "A-2"]
    assert "A-1 → A-3 → A-2 → A-1" in problem["detail"]
    assert problem["invalid-params"][0]["name"] == "/body/b2_actions/0/depends_on"

    await start_ccc(client, token, city, {"b2_actions": [action("A-1"), action("A-2")]})
    # One PUT that closes a cycle: refused, nothing written.
    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/1/actions/A-2",
        json=action("A-2", depends_on=["A-1"]),
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/1/actions/A-1",
        json=action("A-1", depends_on=["A-2"]),
        headers=bearer(token),
    )
    assert r.status_code == 422
    assert r.json()["cycle"] == ["A-1", "A-2"]
    assert r.json()["invalid-params"][0]["name"] == "/body/depends_on"
    stored = (await client.get(f"/v1/cities/{city}/ccc/versions/1/actions/A-1")).json()
    assert stored["depends_on"] == []
    # An unknown dependency, an unknown partner, a removal still referred to.
    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/1/actions/A-3",
        json=action("A-3", depends_on=["NOPE"]),
        headers=bearer(token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/depends_on/0"
    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/1/actions/A-3",
        json=action("A-3", responsible="00000000-0000-4000-8000-000000000000"),
        headers=bearer(token),
    )
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/responsible_partner_id"
    r = await client.delete(f"/v1/cities/{city}/ccc/versions/1/actions/A-1", headers=bearer(token))
    assert r.status_code == 422 and "A-1" in r.json()["detail"]
    r = await client.delete(f"/v1/cities/{city}/ccc/versions/1/actions/A-2", headers=bearer(token))
    assert r.status_code == 204


async def test_the_funding_gap_is_cost_minus_committed_in_every_view(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, token, city)
    await start_ccc(
        client,
        token,
        city,
        {
            "b2_actions": [
                action("BUS", reductions=[("II.1", 2026, "100"), ("II.1", 2027, "300")]),
                action("HEAT", field="buildings_and_energy", responsible=partner),
            ]
        },
    )
    base = f"/v1/cities/{city}/ccc/versions/1"
    r = await client.put(
        f"{base}/actions/BUS/investment",
        json={
            "action_id": "BUS",
            "costs": [
                {"year": 2026, "capex_nok": "1000000.10", "opex_nok": "50000"},
                {"year": 2027, "capex_nok": "0", "opex_nok": "60000.05"},
            ],
            "funding": [
                {
                    "year": 2026,
                    "type": "municipal_budget",
                    "funder": "Bystyret",
                    "amount_nok": "400000",
                    "status": "committed",
                },
                {
                    "year": 2026,
                    "type": "state_grant_klimasats",
                    "funder": "Miljødirektoratet",
                    "amount_nok": "300000.05",
                    "status": "committed",
                },
                {
                    "year": 2026,
                    "type": "horizon_europe",
                    "funder": "EU",
                    "amount_nok": "200000",
                    "status": "applied_for",
                },
                {
                    "year": 2027,
                    "type": "loan",
                    "funder": "KBN",
                    "amount_nok": "70000",
                    "status": "committed",
                },
            ],
        },
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"{base}/actions/HEAT/investment",
        json={
            "action_id": "HEAT",
            "costs": [{"year": 2026, "capex_nok": "250000"}],
            "funding": [
                {
                    "year": 2026,
                    "type": "state_grant_enova",
                    "funder": "Enova",
                    "amount_nok": "100000",
                    "status": "committed",
                },
            ],
        },
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    # Funding for an action the portfolio does not have: 404 naming the path.
    r = await client.put(
        f"{base}/actions/NONE/investment", json={"action_id": "NONE"}, headers=bearer(token)
    )
    assert r.status_code == 404

    gap = (await client.get(f"{base}/funding-gap")).json()
    bus = next(a for a in gap["by_action"] if a["action_id"] == "BUS")
    assert bus["years"] == [
        {"year": 2026, "cost_nok": "1050000.10", "committed_nok": "700000.05",
         "applied_for_nok": "200000.00", "gap_nok": "350000.05"},
        {"year": 2027, "cost_nok": "60000.05", "committed_nok": "70000.00",
         "applied_for_nok": "0.00", "gap_nok": "-9999.95"},
    ]  # fmt: skip
    assert bus["total"]["gap_nok"] == "340000.10"
    by_partner = {p["responsible_partner_id"]: p for p in gap["by_partner"]}
    assert by_partner[None]["action_ids"] == ["BUS"]
    assert by_partner[partner]["total"]["gap_nok"] == "150000.00"
    assert {y["year"]: y["gap_nok"] for y in gap["by_year"]} == {
        2026: "500000.05",
        2027: "-9999.95",
    }
    assert gap["total"]["gap_nok"] == "490000.10"
    # Every view is cost - committed.
    for cell in [*bus["years"], bus["total"], *gap["by_year"], gap["total"]]:
        assert Decimal(cell["gap_nok"]) == Decimal(cell["cost_nok"]) - Decimal(
            cell["committed_nok"]
        )

    figures = (await client.get(f"{base}/actions/BUS")).json()["computed"]
    assert figures["total_cost_nok"] == "1110000.15"
    assert figures["cumulative_reduction_tco2e"] == "400.000000000"
    assert figures["cost_per_tco2e_nok"] == "2775.00"

    export = (await client.get(f"{base}/export")).json()
    assert export["schema"] == "klimaby.ccc/1"
    assert export["investment_plan"]["funding_gap"] == gap
    table = await client.get(f"{base}/export", params={"format": "csv", "table": "funding_gap"})
    assert table.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(table.text)))
    assert {(r["action_id"], r["year"]): r["gap_nok"] for r in lines} == {
        ("BUS", "2026"): "350000.05",
        ("BUS", "2027"): "-9999.95",
        ("BUS", "total"): "340000.10",
        ("HEAT", "2026"): "150000.00",
        ("HEAT", "total"): "150000.00",
    }
    html = (await client.get(f"{base}/report")).text
    assert "350000.05" in html and "Finansieringsgap" in html and "Funding gap" in html

    def funding(event: CloudEvent) -> bool:
        return event.type == FundingChanged.event_type and event.data["city"] == city

    published = await read_until(broker, CONTRACTS_EVENTS, funding, count=2)
    changed = published[0][1].payload()
    assert isinstance(changed, FundingChanged)
    assert changed.action_id == "BUS"
    assert [(y.year, y.gap_ore) for y in changed.years] == [(2026, 35000005), (2027, -999995)]
    assert changed.gap_ore == changed.cost_ore - changed.committed_ore == 34000010


async def test_exports_have_a_schema_every_table_and_a_printable_report(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    await start_ccc(
        client,
        city_token(city),
        city,
        {
            "title": "Klimabykontrakt <test>",
            "commitments": {"goal_and_scope": "Netto null i 2030", "priorities": ["Transport"]},
            "b2_actions": [action("A-1", reductions=[("II.1", 2030, "9500")])],
            "b3_indicators": [
                {
                    "id": "I-1",
                    "name": "Elbilandel",
                    "unit": "%",
                    "target_2025": "60",
                    "target_2030": "100",
                }
            ],
        },
    )
    schema = (await client.get("/v1/ccc/export-schema")).json()
    assert {"schema", "commitments", "action_plan", "investment_plan", "history"} <= set(
        schema["properties"]
    )
    base = f"/v1/cities/{city}/ccc/versions/1"
    from services.contracts.exports.service import TABLES

    for table in TABLES:
        r = await client.get(f"{base}/export", params={"format": "csv", "table": table})
        assert r.status_code == 200, (table, r.text)
        assert r.text.splitlines()[0].count(",") >= 1
    reductions = (
        await client.get(f"{base}/export", params={"format": "csv", "table": "expected_reductions"})
    ).text.splitlines()
    assert reductions[1] == "A-1,II.1,2030,9500.000000000"
    r = await client.get(f"{base}/export", params={"format": "csv"})
    assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == "/query/table"
    html = (await client.get(f"{base}/report")).text
    assert html.startswith("<!doctype html>")
    assert "@media print" in html
    assert "Klimabykontrakt &lt;test&gt;" in html  # escaped
    assert "Tiltaksportefølje" in html and "Action portfolio" in html


async def test_the_emissions_gap_is_computed_from_the_stated_target_and_the_portfolio(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    created = await start_ccc(
        client,
        city_token(city),
        city,
        {
            "a2_emissions_gap": {
                "sectors": [
                    {
                        "gpc_reference": "II",
                        "baseline_year": 2020,
                        "baseline_tco2e": "1000",
                        "target_year": 2030,
                        "target_tco2e": "200",
                        "source": "inventory v1; target v2 (stated by the city)",
                    }
                ]
            },
            "b2_actions": [
                action("R-1", reductions=[("II.1", 2025, "100"), ("II.1", 2030, "300")]),
                action("S-1", reductions=[("II.3", 2030, "100")]),
                action("B-1", field="buildings_and_energy", reductions=[("I.1", 2030, "50")]),
            ],
        },
    )
    (gap,) = created["emissions_gap"]
    assert gap["required_reduction_tco2e"] == "800.000000000"
    assert gap["portfolio_reduction_tco2e"] == "400.000000000"  # I.1 lies outside II
    assert gap["gap_tco2e"] == "400.000000000"
    assert gap["source"] == "inventory v1; target v2 (stated by the city)"
    by_year = {row["year"]: row for row in gap["trajectory"]}
    assert sorted(by_year) == list(range(2020, 2031))
    assert by_year[2025] == {
        "year": 2025,
        "trajectory_tco2e": "600.000000000",
        "portfolio_reduction_tco2e": "100.000000000",
        "expected_tco2e": "900.000000000",
        "gap_tco2e": "300.000000000",
    }
    assert by_year[2030]["gap_tco2e"] == gap["gap_tco2e"]
