"""The climate budget (klimabudsjett): ceilings from the target trajectory, projections and
measures, the gap, and the live pace whose change of status reaches Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.inventory.budget.pace import expected_share, status_of
from shared.events.catalogue import INVENTORY_EVENTS, SENSORS_READINGS
from shared.events.envelope import decode_event, encode_event, new_event
from shared.events.payloads import BudgetStatusChanged, ReadingAccepted
from tests.conftest import ServiceClientFactory
from tests.helpers import eventually
from tests.inventory.test_accounting_live import (
    API_ONLY,
    account,
    mg,
    problem_field,
    reading,
    register_city,
)
from tests.inventory.test_targets import NET_ZERO_2030, bearer, linear

T = 1_000_000_000


def tonnes(value: str) -> int:
    return int(Decimal(value) * T)


# --- the pace rule, on its own ----------------------------------------------------------------


def test_pace_thresholds_are_inclusive_at_one_and_one_point_one() -> None:
    assert status_of(100, 100) == "on_track"
    assert status_of(101, 100) == "at_risk"
    assert status_of(110, 100) == "at_risk"
    assert status_of(111, 100) == "off_track"
    assert status_of(0, 0) == "on_track"  # a net-zero year with nothing emitted
    assert status_of(1, 0) == "off_track"


def test_the_expected_share_follows_last_years_months_or_the_calendar() -> None:
    winter_heavy = [30, 20, 10, 5, 5, 5, 5, 5, 5, 10, 20, 30]  # 150 in all
    mid_february = datetime(2026, 2, 15, tzinfo=UTC)  # 14 of February's 28 days gone
    share, profile = expected_share(2026, mid_february, winter_heavy)
    assert (profile, share) == ("seasonal", Fraction(30 + 10, 150))
    share, profile = expected_share(2026, mid_february, None)
    assert (profile, share) == ("flat", Fraction(31 + 14, 365))
    # A month without emissions last year (sensors not yet installed): no profile to trust.
    share, profile = expected_share(2026, mid_february, [0, *winter_heavy[1:]])
    assert profile == "flat"
    assert expected_share(2025, mid_february, winter_heavy)[0] == 1  # a past year is over


# --- the budget sheet ---------------------------------------------------------------------------


async def test_the_budget_of_a_year_has_ceilings_projections_measures_and_the_gap(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        r = await client.post(f"/v1/cities/{city}/targets", json=NET_ZERO_2030, headers=auth)
        assert r.status_code == 201, r.text
        url = f"/v1/cities/{city}/budget/2025"

        r = await client.put(
            f"{url}/projection",
            json={"sectors": {"I": "900", "II": "700.5"}, "source": "Framskrivning 2024"},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        measures = [
            {
                "name": "Electric city buses",
                "sector": "II",
                "expected_reduction_tco2e": "120.5",
                "contract_action_id": "CCC-B2-07",
                "responsible": "Ruter",
            },
            {"name": "Congestion charge", "sector": "II", "expected_reduction_tco2e": "30"},
            {"name": "Heat pumps in schools", "sector": "I", "expected_reduction_tco2e": "50"},
        ]
        ids = []
        for body in measures:
            r = await client.post(f"{url}/measures", json=body, headers=auth)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        assert r.json()["expected_reduction_co2e_mg"] == tonnes("50")

        sheet = (await client.get(url)).json()
        sectors = {s["sector"]: s for s in sheet["sectors"]}
        projected = {"I": "900", "II": "700.5", "III": "150.25", "V": "49.25"}
        cuts = {"I": tonnes("50"), "II": tonnes("150.5"), "III": 0, "V": 0}
        for sector, projection in projected.items():
            line = sectors[sector]
            ceiling = linear(NET_ZERO_2030["baseline"]["sectors"][sector], "95", 2019, 2030, 2025)
            assert line["ceiling_co2e_mg"] == ceiling
            assert line["projected_co2e_mg"] == tonnes(projection)
            assert line["measures_co2e_mg"] == cuts[sector]
            assert line["gap_co2e_mg"] == tonnes(projection) - cuts[sector] - ceiling
        assert sectors["II"]["projection_basis"] == "stated"
        assert sectors["III"]["projection_basis"] == "baseline"
        assert sheet["projection_source"] == "Framskrivning 2024"
        assert sheet["total"]["gap_co2e_mg"] == sum(s["gap_co2e_mg"] for s in sheet["sectors"])
        assert [m["contract_action_id"] for m in sheet["measures"]] == [None, "CCC-B2-07", None]

        r = await client.delete(f"{url}/measures/{ids[1]}", headers=auth)
        assert r.status_code == 204
        sheet = (await client.get(url)).json()
        ii = next(s for s in sheet["sectors"] if s["sector"] == "II")
        assert ii["measures_co2e_mg"] == tonnes("120.5") and ii["measures"] == 1
        assert len((await client.get(f"{url}/measures")).json()) == 2


async def test_budget_errors_are_problems_naming_the_field(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        city = await register_city(client, admin_token)
        auth = bearer(city_token(city))
        url = f"/v1/cities/{city}/budget/2025"
        measure = {"name": "Shore power", "sector": "II", "expected_reduction_tco2e": "3"}

        r = await client.get(url)  # no target yet: no ceilings
        assert r.status_code == 404 and problem_field(r) == "/path/city"
        r = await client.post(f"{url}/measures", json=measure, headers=auth)
        assert r.status_code == 409 and problem_field(r) == "/path/city"

        r = await client.post(f"/v1/cities/{city}/targets", json=NET_ZERO_2030, headers=auth)
        assert r.status_code == 201, r.text
        cases: list[tuple[str, str, dict[str, Any], int, str]] = [
            ("POST", f"{url}/measures", {**measure, "sector": "IV"}, 422, "/body/sector"),
            ("POST", f"{url}/measures", {**measure, "sector": "X"}, 422, "/body/sector"),
            (
                "POST",
                f"{url}/measures",
                {**measure, "expected_reduction_tco2e": "-1"},
                422,
                "/body/expected_reduction_tco2e",
            ),
            ("POST", f"{url}/measures", {**measure, "name": ""}, 422, "/body/name"),
            ("POST", f"{url}/measures", {**measure, "name": "a\x00b"}, 422, "/body/name"),
            (
                "POST",
                f"{url}/measures",
                {**measure, "description": "x" * 2001},
                422,
                "/body/description",
            ),
            (
                "POST",
                f"/v1/cities/{city}/budget/2018/measures",
                measure,
                422,
                "/path/year",
            ),
            ("POST", f"/v1/cities/{city}/budget/1066/measures", measure, 422, "/path/year"),
            ("PUT", f"{url}/projection", {"sectors": {}}, 422, "/body/sectors"),
            ("PUT", f"{url}/projection", {"sectors": {"IV": "1"}}, 422, "/body/sectors/IV"),
            ("PUT", f"{url}/projection", {"sectors": {"VI": "1"}}, 422, "/body/sectors/VI/[key]"),
        ]
        for method, path, body, status, field in cases:
            r = await client.request(method, path, json=body, headers=auth)
            assert (r.status_code, problem_field(r)) == (status, field), (path, body, r.text)

        r = await client.post(f"{url}/measures", json=measure, headers=bearer(city_token("oslo")))
        assert r.status_code == 403 and problem_field(r) == "/path/city"
        r = await client.post(f"{url}/measures", json=measure)
        assert r.status_code == 401
        r = await client.delete(f"{url}/measures/nope", headers=auth)
        assert r.status_code == 404 and problem_field(r) == "/path/measure_id"
        future = datetime.now(UTC).year + 1
        r = await client.get(f"/v1/cities/{city}/budget/{future}/pace")
        assert r.status_code == 422 and problem_field(r) == "/path/year"
        r = await client.get("/v1/cities/atlantis/budget/2025")
        assert r.status_code == 404 and problem_field(r) == "/path/city"


# --- live pace ------------------------------------------------------------------------------


def live_target(now: datetime) -> dict[str, Any]:
    """Net zero five years from now, from a baseline five years back: this year's ceiling is
    half of the baseline, whatever year the suite runs in."""
    return {
        "baseline": {
            "source": "stated",
            "year": now.year - 5,
            "sectors": {"I": "20", "II": "10"},
        },
        "target_year": now.year + 5,
        "reduction_percent": "100",
        "net_zero": True,
    }


async def publish(broker: str, readings: list[ReadingAccepted]) -> None:
    """As the sensors service does: one CloudEvent per reading on sensors.readings.v1."""
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all")
    await producer.start()
    try:
        for r in readings:
            event = new_event(r, source="/klimaby/sensors", event_id=str(r.reading_id))
            await producer.send_and_wait(
                SENSORS_READINGS, encode_event(event), key=r.sensor_id.encode()
            )
    finally:
        await producer.stop()


async def test_a_surge_of_readings_in_one_sector_turns_its_pace_off_track_and_kafka_hears_it(
    service_client: ServiceClientFactory,
    broker: str,
    admin_token: str,
    city_token: Callable[[str], str],
) -> None:
    async with service_client("inventory") as (_app, client):
        now = datetime.now(UTC)
        city = await register_city(client, admin_token)
        r = await client.post(
            f"/v1/cities/{city}/targets", json=live_target(now), headers=bearer(city_token(city))
        )
        assert r.status_code == 201, r.text
        pace_url = f"/v1/cities/{city}/budget/{now.year}/pace"

        def traffic(value: float, minutes_ago: int) -> ReadingAccepted:
            return reading(
                city,
                max(now - timedelta(minutes=minutes_ago), datetime(now.year, 1, 1, tzinfo=UTC)),
                value,
                sensor="ring-road",
                kind="traffic_counter",
                gpc_reference="II.1.1",
                segment_km=1.0,
                vehicle="bus",
            )

        # A quiet start: a few grams in each sector, far under the pro-rated ceilings.
        await publish(broker, [reading(city, now, 2.0), traffic(1, 30)])

        async def pace() -> dict[str, Any]:
            return (await client.get(pace_url)).json()

        def stored(report: dict[str, Any]) -> dict[str, str]:
            return {s["sector"]: s["status"] for s in report["sectors"] if s["status_since"]}

        seen = await eventually(pace, lambda p: len(stored(p)) == 2)
        assert stored(seen) == {"I": "on_track", "II": "on_track"}

        # The surge: 20 full buses over the counted kilometre, 12.26 t against a 5 t ceiling.
        await publish(broker, [traffic(1000, minutes) for minutes in range(1, 21)])
        surge_total = mg(1, 613) + 20 * mg(1000, 613)

        def transport_of(p: dict[str, Any]) -> dict[str, Any]:
            return next(s for s in p["sectors"] if s["sector"] == "II")

        # The status may turn before the last readings of the surge are consumed: wait for both.
        seen = await eventually(
            pace,
            lambda p: (
                stored(p).get("II") == "off_track" and transport_of(p)["ytd_co2e_mg"] >= surge_total
            ),
        )
        sectors = {s["sector"]: s for s in seen["sectors"]}
        assert sectors["II"]["status"] == "off_track"
        assert sectors["II"]["ytd_co2e_mg"] == surge_total
        assert sectors["II"]["ceiling_co2e_mg"] == 5 * T
        assert sectors["II"]["ratio"] > 1.1
        assert sectors["I"]["status"] == "on_track"  # the other sector is untouched

        changes = await status_changes_until_off_track(broker, city)
        by_sector: dict[str, list[BudgetStatusChanged]] = {}
        for change in changes:
            by_sector.setdefault(change.sector, []).append(change)
        assert [(c.previous_status, c.status) for c in by_sector["I"]] == [(None, "on_track")]
        transport = by_sector["II"]
        assert (transport[0].previous_status, transport[0].status) == (None, "on_track")
        for before, after in pairwise(transport):
            assert after.previous_status == before.status  # each change says what it left
        off = transport[-1]
        assert off.status == "off_track" and off.year == now.year
        assert off.ceiling_co2e_mg == 5 * T
        assert off.ytd_co2e_mg > off.prorated_ceiling_co2e_mg * 1.1


async def status_changes_until_off_track(
    broker: str, city: str, timeout_s: float = 60.0
) -> list[BudgetStatusChanged]:
    """The city's budget.status_changed events, read back as CloudEvents from the beginning of
    inventory.events.v1, up to the first off_track one (keyed by the city, so in order)."""
    consumer = AIOKafkaConsumer(
        INVENTORY_EVENTS,
        bootstrap_servers=broker,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[BudgetStatusChanged] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    event = decode_event(record.value)
                    if event.type != BudgetStatusChanged.event_type:
                        continue
                    change = BudgetStatusChanged.model_validate(event.data)
                    if change.city != city:
                        continue
                    assert record.key == city.encode()
                    assert event.source == "/klimaby/inventory"
                    found.append(change)
                    if change.status == "off_track":
                        return found
    finally:
        await consumer.stop()
    raise AssertionError(f"no off_track budget.status_changed for {city} on Kafka: {found}")


async def test_pace_follows_last_years_seasonal_profile_when_it_has_one(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        now = datetime.now(UTC)
        city = await register_city(client, admin_token)
        r = await client.post(
            f"/v1/cities/{city}/targets", json=live_target(now), headers=bearer(city_token(city))
        )
        assert r.status_code == 201, r.text
        # Last year, every month metered, winter much heavier: kWh per month.
        monthly_kwh = [900, 800, 600, 400, 200, 100, 100, 100, 200, 400, 600, 900]
        last = now.year - 1
        await account(
            app,
            [
                reading(city, datetime(last, month, 10, 12, tzinfo=UTC), kwh)
                for month, kwh in enumerate(monthly_kwh, start=1)
            ],
        )
        await account(app, [reading(city, now, 5.0)])  # this year, to have a pace at all
        report = (await client.get(f"/v1/cities/{city}/budget/{now.year}/pace")).json()
        stationary = next(s for s in report["sectors"] if s["sector"] == "I")
        assert stationary["profile"] == "seasonal"
        as_of = datetime.fromisoformat(report["as_of"])
        # The profile's months are the city's local months (Europe/Oslo).
        expected, _ = expected_share(
            now.year, as_of, [mg(k, 15) for k in monthly_kwh], report["time_zone"]
        )
        assert report["time_zone"] == "Europe/Oslo"
        assert stationary["prorated_ceiling_co2e_mg"] == round(10 * T * expected)
        transport = next(s for s in report["sectors"] if s["sector"] == "II")
        assert transport["profile"] == "flat" and not transport["has_live_data"]
        # Neither live data nor a published inventory: nothing is known, never "on track".
        assert transport["status"] == "no_data" and transport["ratio"] is None
