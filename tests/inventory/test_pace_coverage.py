"""The coverage-aware pace: a sector's live figure is an estimate of the whole sector, built
from what its sensors measure (scaled by their history or by their coverage) and what the last
published inventory says; a sector with nothing known is ``no_data``, never on track."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest

from services.inventory.budget.estimate import (
    CellInputs,
    SensorMonth,
    estimate_cell,
    estimate_sector,
    history_ratio,
)
from services.inventory.budget.pace import expected_share
from services.inventory.coverage.models import CoverageStatement, SensorCoverage
from services.inventory.coverage.service import cell_coverage
from services.inventory.gpc.catalogue import required_cells
from shared.events.payloads import AccountingParameters, BudgetStatusChanged, ReadingAccepted
from shared.localtime import year_start
from tests.conftest import ServiceClientFactory
from tests.inventory.test_accounting_live import (
    API_ONLY,
    account,
    mg,
    problem_field,
    reading,
    register_city,
    staged_events,
)
from tests.inventory.test_targets import bearer

T = 1_000_000_000
OSLO = "Europe/Oslo"
STATUS_CHANGED = BudgetStatusChanged.event_type


# --- the rules, on their own -------------------------------------------------------------------


def test_the_history_ratio_compares_the_same_sensors_over_the_same_months() -> None:
    months = [
        SensorMonth("a", "electricity_grid", 1, this_year=110, base_year=100),
        SensorMonth("b", "electricity_grid", 1, this_year=220, base_year=200),
        SensorMonth("b", "electricity_grid", 2, this_year=90, base_year=100),
        SensorMonth("new", "electricity_grid", 1, this_year=500, base_year=0),  # no history
        SensorMonth("a", "electricity_grid", 3, this_year=50, base_year=0),  # none in March
        SensorMonth("a", "electricity_grid", 4, this_year=0, base_year=70),  # gone this April
    ]
    assert history_ratio(months, 12, Fraction(1)) == Fraction(420, 400)
    # Mid-February: February's base counts for the half of it that has passed.
    assert history_ratio(months, 2, Fraction(1, 2)) == Fraction(330 + 90, 300 + 50)
    assert history_ratio(months[3:5], 12, Fraction(1)) is None
    # Two kinds of activity: each ratio in its own unit, weighed by the base's emissions.
    mixed = [
        SensorMonth("a", "electricity_grid", 1, 120, 100, base_co2e_mg=300),
        SensorMonth("d", "diesel", 1, 90, 100, base_co2e_mg=100),
    ]
    assert history_ratio(mixed, 12, Fraction(1)) == Fraction(3, 4) * Fraction(6, 5) + Fraction(
        1, 4
    ) * Fraction(9, 10)


def test_each_cell_names_its_method_and_is_never_below_what_was_measured() -> None:
    s = Fraction(1, 2)
    scaled = estimate_cell(
        CellInputs("I.2.2", 40, True, 1000, Fraction(11, 10), Fraction(1, 10)), s
    )
    assert (scaled.method, scaled.estimate_mg, scaled.scaled_mg) == ("scaled_by_history", 550, 510)
    covered = estimate_cell(CellInputs("I.2.2", 40, True, None, None, Fraction(12, 100)), s)
    assert (covered.method, covered.estimate_mg) == ("measured_over_coverage", 333)  # 40/0.12
    carried = estimate_cell(CellInputs("I.1.2", 0, False, 500), s)
    assert (carried.method, carried.estimate_mg, carried.carried_mg) == (
        "estimated_from_inventory",
        250,
        250,
    )
    # Live data that can be neither scaled nor extrapolated: the inventory, floored by it.
    floored = estimate_cell(CellInputs("I.2.2", 400, True, 500), s)
    assert (floored.method, floored.estimate_mg, floored.carried_mg) == (
        "estimated_from_inventory",
        400,
        0,
    )
    alone = estimate_cell(CellInputs("II.1.1", 7, True), s)
    assert (alone.method, alone.estimate_mg) == ("measured_only", 7)
    sector = estimate_sector(
        [
            CellInputs("I.2.2", 40, True, None, None, Fraction(12, 100)),
            CellInputs("I.1.2", 0, False, 500),
        ],
        s,
    )
    assert (sector.method, sector.estimate_mg, sector.measured_mg) == ("mixed", 583, 40)
    assert sector.measured_share == Fraction(40, 583)
    assert estimate_sector([], s).method == "none" and estimate_sector([], s).measured_share is None


def _statement(ref: str, group: str, share: str) -> CoverageStatement:
    return CoverageStatement(
        city="x",
        gpc_reference=ref,
        sensor_group=group,
        share=Decimal(share),
        updated_by="t",
        updated_at=datetime.now(UTC),
    )


def _declared(sensor: str, group: str | None, share: str | None) -> SensorCoverage:
    return SensorCoverage(
        sensor_id=sensor,
        city="x",
        gpc_reference="I.2.2",
        coverage_group=group,
        coverage_share=Decimal(share) if share else None,
        declared_at=datetime.now(UTC),
    )


def test_a_cells_coverage_is_the_citys_statement_or_the_sum_of_its_groups() -> None:
    declared = {
        "m1": _declared("m1", "kommunale-bygg", "0.10"),
        "m2": _declared("m2", "kommunale-bygg", None),
        "m3": _declared("m3", None, None),
    }
    sensors = ["m1", "m2", "m3"]
    unknown = cell_coverage("I.2.2", sensors, {}, declared)
    assert unknown.share is None and unknown.uncovered_sensors == ("m3",)
    groups = cell_coverage(
        "I.2.2", sensors, {("I.2.2", "m3"): _statement("I.2.2", "m3", "0.02")}, declared
    )
    assert (groups.basis, groups.share) == ("groups", Fraction(12, 100))
    # The city's word overrides the sensors' for a group, and a whole-cell statement all groups.
    stated = {("I.2.2", "kommunale-bygg"): _statement("I.2.2", "kommunale-bygg", "0.2")}
    assert cell_coverage("I.2.2", ["m1", "m2"], stated, declared).share == Fraction(1, 5)
    whole = {("I.2.2", ""): _statement("I.2.2", "", "0.12")}
    assert cell_coverage("I.2.2", sensors, whole, declared).share == Fraction(12, 100)


def test_old_events_still_parse() -> None:
    assert (
        AccountingParameters.model_validate({"energy_carrier": "electricity"}).coverage_share
        is None
    )
    old = {
        "city": "oslo",
        "year": 2026,
        "sector": "II",
        "previous_status": "on_track",
        "status": "off_track",
        "ytd_co2e_mg": 12,
        "ceiling_co2e_mg": 5,
        "prorated_ceiling_co2e_mg": 4,
        "profile": "flat",
        "evaluated_at": "2026-11-23T09:12:04Z",
    }
    assert BudgetStatusChanged.model_validate(old).method is None


# --- on the real service -------------------------------------------------------------------------


def covered(r: ReadingAccepted, group: str | None, share: float | None) -> ReadingAccepted:
    """The reading as the sensors service sends it for a sensor that declares its coverage."""
    accounting = r.accounting.model_copy(update={"coverage_group": group, "coverage_share": share})
    return r.model_copy(update={"accounting": accounting})


async def publish_inventory(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    city: str,
    year: int,
    figures: dict[str, str],
    not_estimated: str = "",
) -> None:
    """A published BASIC inventory: the given cells in tCO2e, the cells of sector
    ``not_estimated`` NE, every other required cell NO (not occurring)."""
    base = f"/v1/cities/{city}/inventories"
    r = await client.post(base, json={"year": year, "level": "BASIC"}, headers=auth)
    assert r.status_code == 201, r.text
    for cell in required_cells("BASIC"):
        body: dict[str, Any] = {"kind": "notation", "notation_key": "NO"}
        if cell.reference in figures:
            body = {
                "kind": "reported",
                "emissions": {"CO2": figures[cell.reference]},
                "method": "municipal statistics",
                "data_source": "SSB",
                "data_quality": "reported",
            }
        elif not_estimated and cell.sector == not_estimated:
            body = {"kind": "notation", "notation_key": "NE", "justification": "not surveyed"}
        r = await client.put(
            f"{base}/{year}/versions/1/entries/{cell.reference}", json=body, headers=auth
        )
        assert r.status_code == 201, r.text
    r = await client.post(f"{base}/{year}/versions/1/publish", headers=auth)
    assert r.status_code == 200, r.text


def target(now: datetime, sectors: dict[str, str]) -> dict[str, Any]:
    """Net zero five years from now from a baseline five years back: this year's ceiling is
    half the baseline."""
    return {
        "baseline": {"source": "stated", "year": now.year - 5, "sectors": sectors},
        "target_year": now.year + 5,
        "reduction_percent": "100",
        "net_zero": True,
    }


def sectors_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["sector"]: s for s in report["sectors"]}


def cells_of(sector: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["gpc_reference"]: c for c in sector["cells"]}


async def test_three_meters_covering_a_stated_share_of_i22_estimate_the_sector(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        now = datetime.now(UTC)
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        r = await client.post(
            f"/v1/cities/{city}/targets",
            json=target(now, {"I": "3400", "II": "1000", "III": "100"}),
            headers=auth,
        )
        assert r.status_code == 201, r.text
        # Last year's published inventory: 1000 t in I.2.2, 500 t in I.1.2, 300 t in II.1.1;
        # waste (III) not estimated.
        await publish_inventory(
            client,
            auth,
            city,
            now.year - 1,
            {"I.2.2": "1000", "I.1.2": "500", "II.1.1": "300"},
            not_estimated="III",
        )
        pace_url = f"/v1/cities/{city}/budget/{now.year}/pace"
        # Publishing moved the pace: transport, carried from the inventory, is announced.
        published = [e for e in await staged_events(app, STATUS_CHANGED) if e["city"] == city]
        assert {e["sector"]: e["method"] for e in published} == {
            "I": "estimated_from_inventory",
            "II": "estimated_from_inventory",
        }
        report = (await client.get(pace_url)).json()
        assert report["inventory"] == f"{city}/{now.year - 1}/v1"
        as_of = datetime.fromisoformat(report["as_of"])
        s, profile = expected_share(now.year, as_of, None, OSLO)
        assert profile == "flat"
        # Three municipal buildings' meters, using 5 % more than the inventory's pace: together
        # 12 % of I.2.2. Two declare their group (10 %, in the registry), one declares nothing.
        kwh = round(0.12 * 1.05 * 1000 * T * float(s) / 15_000 / 3, 3)
        t = max(now - timedelta(hours=1), year_start(now.year, OSLO) + timedelta(minutes=1))
        meters = [
            covered(
                reading(city, t, kwh, sensor="m1", gpc_reference="I.2.2"), "kommunale-bygg", 0.10
            ),
            covered(
                reading(city, t, kwh, sensor="m2", gpc_reference="I.2.2"), "kommunale-bygg", 0.10
            ),
            reading(city, t, kwh, sensor="m3", gpc_reference="I.2.2"),
        ]
        await account(app, meters)
        measured = 3 * mg(kwh, 15)

        report = (await client.get(pace_url)).json()
        s, _ = expected_share(now.year, datetime.fromisoformat(report["as_of"]), None, OSLO)
        stationary = sectors_of(report)["I"]
        i22 = cells_of(stationary)["I.2.2"]
        # m3's share is unknown, so the cell cannot be extrapolated: the inventory's figure,
        # pro-rated, never below what was measured.
        assert i22["method"] == "estimated_from_inventory"
        assert i22["uncovered_sensors"] == ["gw.m3"]
        assert i22["estimate_co2e_mg"] == max(measured, round(1000 * T * s))

        # The city states what the three meters cover together: 12 % of the cell.
        coverage = f"/v1/cities/{city}/coverage/I.2.2"
        r = await client.put(
            coverage, json={"share": "0.12", "source": "3 of 25 buildings"}, headers=auth
        )
        assert r.status_code == 200, r.text
        assert r.json()["share"] == "0.120000000" and r.json()["sensor_group"] is None

        async def check(report: dict[str, Any], measured: int) -> int:
            s, _ = expected_share(now.year, datetime.fromisoformat(report["as_of"]), None, OSLO)
            stationary = sectors_of(report)["I"]
            cells = cells_of(stationary)
            i22_estimate = round(Fraction(measured) / Fraction(12, 100))
            i12_carried = round(500 * T * s)
            assert cells["I.2.2"]["method"] == "measured_over_coverage"
            assert cells["I.2.2"]["coverage_share"] == 0.12
            assert cells["I.2.2"]["sensors"] == 3
            assert cells["I.2.2"]["estimate_co2e_mg"] == i22_estimate
            assert cells["I.1.2"]["method"] == "estimated_from_inventory"
            assert cells["I.1.2"]["estimate_co2e_mg"] == i12_carried
            estimate = i22_estimate + i12_carried
            assert stationary["method"] == "mixed"
            assert stationary["estimate_co2e_mg"] == estimate
            assert stationary["ytd_co2e_mg"] == stationary["measured_co2e_mg"] == measured
            assert stationary["scaled_co2e_mg"] == i22_estimate - measured
            assert stationary["carried_co2e_mg"] == i12_carried
            assert stationary["measured_share"] == pytest.approx(measured / estimate)
            assert Decimal(stationary["estimate_tco2e"]) * T == estimate
            return estimate

        report = (await client.get(pace_url)).json()
        await check(report, measured)
        stationary = sectors_of(report)["I"]
        # The right magnitude: the meters' 5 % more use scales the whole cell, not 12 % of it.
        s = Fraction(report["sectors"][0]["expected_share"])
        assert 1.0 < cells_of(stationary)["I.2.2"]["estimate_co2e_mg"] / (1000 * T * s) < 1.1
        assert stationary["status"] == "on_track"  # 1550 t x s against 1700 t x s
        assert stationary["measured_share"] < 0.1
        # Transport: only the inventory; waste: nothing at all.
        transport, waste = sectors_of(report)["II"], sectors_of(report)["III"]
        assert (
            transport["method"] == "estimated_from_inventory" and transport["measured_share"] == 0
        )
        assert not transport["has_live_data"] and transport["status"] == "on_track"
        assert waste["status"] == "no_data" and waste["method"] == "none"
        assert waste["measured_share"] is None and waste["ratio"] is None and not waste["cells"]

        # The same coverage stated per group: the sensors' 10 % and the city's 2 % for m3.
        assert (await client.delete(coverage, headers=auth)).status_code == 204
        r = await client.put(f"{coverage}/groups/gw.m3", json={"share": 0.02}, headers=auth)
        assert r.status_code == 200, r.text
        cell = (await client.get(coverage)).json()
        assert (cell["basis"], cell["share"]) == ("groups", "0.120000000")
        assert {g["group"]: (g["basis"], g["sensors"]) for g in cell["groups"]} == {
            "kommunale-bygg": ("declared", ["gw.m1", "gw.m2"]),
            "gw.m3": ("stated", ["gw.m3"]),
        }
        await check((await client.get(pace_url)).json(), measured)  # the same figures

        # A surge: the buildings use twice as much. The estimate leaves its ceiling behind.
        await account(
            app,
            [
                covered(
                    reading(city, t, kwh, sensor="m1", gpc_reference="I.2.2"),
                    "kommunale-bygg",
                    0.10,
                ),
                covered(
                    reading(city, t, kwh, sensor="m2", gpc_reference="I.2.2"),
                    "kommunale-bygg",
                    0.10,
                ),
                reading(city, t, kwh, sensor="m3", gpc_reference="I.2.2"),
            ],
        )
        report = (await client.get(pace_url)).json()
        await check(report, 2 * measured)
        stationary = sectors_of(report)["I"]
        assert stationary["status"] == "off_track" and stationary["ratio"] > 1.1
        events = [
            BudgetStatusChanged.model_validate(e)
            for e in await staged_events(app, STATUS_CHANGED)
            if e["city"] == city and e["sector"] == "I"
        ]
        last = events[-1]
        # Evaluated when the surge was accounted: the carried part pro-rated to that moment.
        s_then, _ = expected_share(now.year, last.evaluated_at, None, OSLO)
        surged = round(Fraction(2 * measured) / Fraction(12, 100)) + round(500 * T * s_then)
        assert (last.status, last.method, last.estimate_co2e_mg) == ("off_track", "mixed", surged)
        assert last.estimate_tco2e is not None and last.estimate_tco2e * T == surged
        assert last.measured_co2e_mg == 2 * measured
        assert last.measured_share == pytest.approx(2 * measured / surged)
        assert last.inventory == f"{city}/{now.year - 1}/v1"
        assert last.carried_co2e_mg is not None and last.scaled_co2e_mg is not None
        assert last.measured_co2e_mg + last.scaled_co2e_mg + last.carried_co2e_mg == surged
        # Never announced: a sector that never had any data.
        assert not [e for e in await staged_events(app, STATUS_CHANGED) if e["sector"] == "III"]


async def test_the_history_ratio_scales_the_inventorys_figure_exactly(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        now = datetime.now(UTC)
        year, base = now.year - 1, now.year - 2  # a past year is compared whole (share 1)
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        r = await client.post(
            f"/v1/cities/{city}/targets", json=target(now, {"I": "3000", "II": "100"}), headers=auth
        )
        assert r.status_code == 201, r.text
        await publish_inventory(client, auth, city, base, {"I.2.2": "1200"})

        def at(y: int, month: int, kwh: float, sensor: str) -> ReadingAccepted:
            return reading(
                city,
                datetime(y, month, 10, 12, tzinfo=UTC),
                kwh,
                sensor=sensor,
                gpc_reference="I.2.2",
            )

        await account(
            app,
            [
                at(base, 1, 100, "m1"),
                at(base, 1, 200, "m2"),
                at(base, 2, 100, "m2"),
                at(year, 1, 110, "m1"),
                at(year, 1, 220, "m2"),
                at(year, 2, 90, "m2"),
                at(year, 1, 500, "new"),  # a new meter: no history to compare
                at(year, 3, 50, "m1"),  # m1 measured no March in the base year
            ],
        )
        report = (await client.get(f"/v1/cities/{city}/budget/{year}/pace")).json()
        assert report["inventory"] == f"{city}/{base}/v1" and report["time_zone"] == OSLO
        stationary = sectors_of(report)["I"]
        assert stationary["expected_share"] == 1
        i22 = cells_of(stationary)["I.2.2"]
        # (110 + 220 + 90) / (100 + 200 + 100) = 1.05: the cell's 1200 t scaled to 1260 t.
        assert i22["method"] == "scaled_by_history" and i22["activity_ratio"] == 1.05
        assert i22["estimate_co2e_mg"] == 1260 * T
        measured = sum(mg(k, 15) for k in (110, 220, 90, 500, 50))
        assert stationary["measured_co2e_mg"] == measured
        assert stationary["estimate_co2e_mg"] == 1260 * T
        assert stationary["scaled_co2e_mg"] == 1260 * T - measured
        assert stationary["measured_share"] == pytest.approx(measured / (1260 * T))
        assert stationary["method"] == "scaled_by_history"
        # 1260 t against that year's ceiling: 3000 t cut by 4/10 of the way to zero, 1800 t.
        assert stationary["status"] == "on_track" and stationary["ratio"] == pytest.approx(0.7)
        # Transport: every cell NO in the inventory, a known zero.
        transport = sectors_of(report)["II"]
        assert transport["estimate_co2e_mg"] == 0 and transport["status"] == "on_track"


async def test_coverage_statements_are_checked_and_owned_by_their_city(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        url = f"/v1/cities/{city}/coverage"
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            (f"{url}/I.2.2", {"share": 0}, 422, "/body/share"),
            (f"{url}/I.2.2", {"share": "1.5"}, 422, "/body/share"),
            (f"{url}/I.2.2", {"share": "many"}, 422, "/body/share"),
            (f"{url}/I.2.2", {}, 422, "/body/share"),
            (f"{url}/I.2.2", {"share": 0.5, "colour": "red"}, 422, "/body/colour"),
            (f"{url}/I.2.2", {"share": 0.5, "source": "a\x00b"}, 422, "/body/source"),
            (f"{url}/I.9.9", {"share": 0.5}, 422, "/path/gpc_reference"),
            (f"{url}/I.2.2/groups/no%20spaces", {"share": 0.5}, 422, "/path/group"),
        ]
        for path, body, status, field in cases:
            r = await client.put(path, json=body, headers=auth)
            assert (r.status_code, problem_field(r)) == (status, field), (path, body, r.text)
        assert (await client.put(f"{url}/I.2.2", json={"share": 1})).status_code == 401
        other = bearer(city_token("oslo"))
        r = await client.put(f"{url}/I.2.2", json={"share": 1}, headers=other)
        assert r.status_code == 403 and problem_field(r) == "/path/city"
        r = await client.delete(f"{url}/I.2.2", headers=auth)
        assert r.status_code == 404 and problem_field(r) == "/path/gpc_reference"
        r = await client.put(
            "/v1/cities/atlantis/coverage/I.2.2", json={"share": 1}, headers=bearer(admin_token)
        )
        assert r.status_code == 404 and problem_field(r) == "/path/city"
        assert (await client.get("/v1/cities/atlantis/coverage")).status_code == 404

        r = await client.put(f"{url}/I.2.2", json={"share": 1}, headers=auth)
        assert r.status_code == 200 and r.json()["share"] == "1.000000000"
        listing = (await client.get(url)).json()
        assert [(c["gpc_reference"], c["share"], c["basis"]) for c in listing["cells"]] == [
            ("I.2.2", "1.000000000", "cell_stated")
        ]
        assert (await client.delete(f"{url}/I.2.2", headers=auth)).status_code == 204
        assert (await client.get(f"{url}/I.2.2")).json()["basis"] == "unknown"
