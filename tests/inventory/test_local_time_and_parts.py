"""Local-time years and intervals spread over the hours they cover, as a user sees them through
the API (SQLite and PostgreSQL): a reading's year is its city's calendar year, its factor that
year's; an interval is split over its clock hours by duration, exactly to the milligram."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.events.payloads import ReadingAccepted
from shared.quantities import format_tco2e
from tests.conftest import ServiceClientFactory
from tests.inventory.test_accounting_live import API_ONLY, account, mg, problem_field, reading

OSLO = ZoneInfo("Europe/Oslo")
OLD_G, NEW_G = "20", "10"  # the city's own grid factor for 2022 and 2023, g CO2e per kWh


async def city_with_factors(
    client: httpx.AsyncClient, admin_token: str, time_zone: str | None = None
) -> str:
    """A city (in ``time_zone``, or the default) with its own grid factor for 2022 and 2023:
    a factor of the city itself is found first, so no other test's factors interfere."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    city = f"tz-{uuid.uuid4().hex[:8]}"
    body: dict[str, Any] = {"slug": city, "name": city.title(), "bidding_zone": "NO1"}
    if time_zone:
        body["time_zone"] = time_zone
    r = await client.post("/v1/cities", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["time_zone"] == (time_zone or "Europe/Oslo")
    for year, value in ((2022, OLD_G), (2023, NEW_G)):
        factor = {
            "id": f"test-{city}-grid-{year}",
            "name": f"Grid electricity of {city}, {year}",
            "activity": "electricity_grid",
            "gpc_references": ["I.1.2", "I.2.2"],
            "activity_unit": "kWh",
            "gas": "CO2e",
            "value": value,
            "mass_unit": "g",
            "gwp_set": "AR5",
            "region": city,
            "valid_from_year": year,
            "source": "test data",
        }
        r = await client.post("/v1/factors", json=factor, headers=admin)
        assert r.status_code == 201, r.text
    return city


def interval(city: str, start: datetime, end: datetime, kwh: float) -> ReadingAccepted:
    """An interval reading as the sensors service publishes it (an interval meter, or the
    delta of a cumulative register between two register readings)."""
    return reading(city, start, kwh).model_copy(update={"interval_end": end})


async def ytd(client: httpx.AsyncClient, city: str, year: int) -> dict[str, Any]:
    r = await client.get(f"/v1/cities/{city}/live/year-to-date", params={"year": year})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def hourly(client: httpx.AsyncClient, city: str) -> dict[datetime, int]:
    rows = (await client.get(f"/v1/cities/{city}/live/hourly")).json()
    return {datetime.fromisoformat(b["hour"]): b["co2e_mg"] for b in rows}


async def lineage_of(client: httpx.AsyncClient, r: ReadingAccepted) -> dict[str, Any]:
    answer = await client.get(f"/v1/readings/{r.reading_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_new_years_eve_and_day_fall_in_the_citys_local_year(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token)
        eve = reading(city, datetime(2022, 12, 31, 23, 30, tzinfo=OSLO), 10)
        await account(app, [eve])
        old_year = await ytd(client, city, 2022)
        assert old_year["time_zone"] == "Europe/Oslo"
        assert old_year["co2e_mg"] == mg(10, OLD_G)

        # 00:30 on 1 January in Oslo is 23:30 on 31 December in UTC: the new year, locally.
        new_year = reading(city, datetime(2023, 1, 1, 0, 30, tzinfo=OSLO), 10)
        await account(app, [new_year])
        assert (await ytd(client, city, 2023))["co2e_mg"] == mg(10, NEW_G)
        assert (await ytd(client, city, 2022))["co2e_mg"] == old_year["co2e_mg"]
        assert (await lineage_of(client, new_year))["factor_year"] == 2023
        assert (await lineage_of(client, eve))["factor_year"] == 2022
        # The bucket stays the UTC hour.
        assert await hourly(client, city) == {
            datetime(2022, 12, 31, 23, tzinfo=UTC): mg(10, NEW_G),
            datetime(2022, 12, 31, 22, tzinfo=UTC): mg(10, OLD_G),
        }
        # The live views and the export state the zone and agree with the year-to-date.
        gpc = (await client.get(f"/v1/cities/{city}/live/views/gpc?year=2023")).json()
        assert (gpc["time_zone"], gpc["basic"]["co2e_mg"]) == ("Europe/Oslo", mg(10, NEW_G))
        assert gpc["by_gas"] == [
            {
                "key": "CO2e",
                "name": "CO2e",
                "co2e_mg": mg(10, NEW_G),
                "tco2e": format_tco2e(Decimal(mg(10, NEW_G)) / 10**9),
            }
        ]
        territorial = await client.get(f"/v1/cities/{city}/live/views/territorial?year=2023")
        assert territorial.json()["time_zone"] == "Europe/Oslo"
        export = await client.get(
            f"/v1/cities/{city}/live/year-to-date/export", params={"year": 2023, "format": "json"}
        )
        assert export.json()["time_zone"] == "Europe/Oslo"


async def test_a_city_in_utc_keeps_its_own_calendar(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token, time_zone="UTC")
        # The same instant as Oslo's 00:30 on New Year's Day is still 2022 in UTC.
        r = reading(city, datetime(2023, 1, 1, 0, 30, tzinfo=OSLO), 10)
        await account(app, [r])
        assert (await ytd(client, city, 2022))["co2e_mg"] == mg(10, OLD_G)
        assert (await ytd(client, city, 2022))["time_zone"] == "UTC"
        assert (await ytd(client, city, 2023))["co2e_mg"] == 0
        assert (await lineage_of(client, r))["factor_year"] == 2022


async def test_a_one_hour_interval_lands_as_two_equal_halves_in_two_hours(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token)
        start = datetime(2023, 5, 2, 7, 30, tzinfo=OSLO)
        r = interval(city, start, start + timedelta(hours=1), 10)
        await account(app, [r])
        half = mg(5, NEW_G)
        assert await hourly(client, city) == {
            datetime(2023, 5, 2, 5, tzinfo=UTC): half,  # 07:00-08:00 in Oslo (summer time)
            datetime(2023, 5, 2, 6, tzinfo=UTC): half,
        }
        whole = await lineage_of(client, r)
        assert whole["co2e_mg"] == 2 * half
        assert [(p["activity_value"], p["co2e_mg"]) for p in whole["parts"]] == [
            ("5.000000000", half),
            ("5.000000000", half),
        ]
        # Each hour's lineage shows the reading's part in it.
        for part, hour in enumerate(("05", "06")):
            shown = (
                await client.get(
                    f"/v1/cities/{city}/live/lineage",
                    params={"gpc_reference": "I.1.2", "hour": f"2023-05-02T{hour}:00:00Z"},
                )
            ).json()
            assert [(x["reading_id"], x["part"], x["co2e_mg"]) for x in shown] == [
                (str(r.reading_id), part, half)
            ]
            assert shown[0]["reading_co2e_mg"] == 2 * half


async def test_a_register_delta_over_three_hours_spreads_exactly_and_is_counted_once(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token)
        # A register read at 10:00 and at 13:00 (UTC) that advanced 7 kWh: 7/3 kWh an hour.
        delta = interval(
            city, datetime(2023, 3, 1, 10, tzinfo=UTC), datetime(2023, 3, 1, 13, tzinfo=UTC), 7
        )
        await account(app, [delta])
        total = mg(7, NEW_G)  # 70 000 mg, rounded once for the whole reading
        # Split by activity (2.333333333, 2.333333333, 2.333333334 kWh), floored, the
        # remainder to the last hour.
        first = total * 2333333333 // 7_000_000_000
        expected = {
            datetime(2023, 3, 1, 10, tzinfo=UTC): first,
            datetime(2023, 3, 1, 11, tzinfo=UTC): first,
            datetime(2023, 3, 1, 12, tzinfo=UTC): total - 2 * first,
        }
        assert await hourly(client, city) == expected
        assert sum(expected.values()) == total
        parts = (await lineage_of(client, delta))["parts"]
        assert sum(Decimal(p["activity_value"]) for p in parts) == Decimal(7)
        assert (await ytd(client, city, 2023))["readings"] == 1

        # Redelivered: nothing moves.
        again = await account(app, [delta])
        assert (again.new, again.duplicates) == (0, 1)
        assert await hourly(client, city) == expected


async def test_a_reading_over_new_year_splits_by_year_with_each_years_factor_and_revises_exactly(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token)
        start = datetime(2022, 12, 31, 23, 30, tzinfo=OSLO)
        r = interval(city, start, start + timedelta(hours=1), 10)
        await account(app, [r])
        assert (await ytd(client, city, 2022))["co2e_mg"] == mg(5, OLD_G)
        assert (await ytd(client, city, 2023))["co2e_mg"] == mg(5, NEW_G)
        whole = await lineage_of(client, r)
        assert [(p["local_year"], p["factor_year"]) for p in whole["parts"]] == [
            (2022, 2022),
            (2023, 2023),
        ]
        assert whole["co2e_mg"] == mg(5, OLD_G) + mg(5, NEW_G)

        # Revising the new year's factor recomputes exactly that part; the old year stays.
        revised = await client.post(
            f"/v1/factors/test-{city}-grid-2023/revisions",
            json={"reason": "corrected declaration", "value": "12.5"},
            headers=admin,
        )
        assert revised.status_code == 201, revised.text
        assert (await ytd(client, city, 2022))["co2e_mg"] == mg(5, OLD_G)
        assert (await ytd(client, city, 2023))["co2e_mg"] == mg(5, "12.5")
        whole = await lineage_of(client, r)
        assert [p["co2e_mg"] for p in whole["parts"]] == [mg(5, OLD_G), mg(5, "12.5")]
        assert whole["co2e_mg"] == mg(5, OLD_G) + mg(5, "12.5")
        assert whole["factor_version"] == 1  # the first part's factor, not revised
        assert sum((await hourly(client, city)).values()) == whole["co2e_mg"]


async def test_a_city_time_zone_must_be_an_iana_zone(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        r = await client.post(
            "/v1/cities",
            json={
                "slug": f"tz-{uuid.uuid4().hex[:8]}",
                "name": "Nowhere",
                "time_zone": "Mars/Base",
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code == 422, r.text
        assert problem_field(r) == "/body/time_zone"


def heat_factor(city: str, year: int, value: str) -> dict[str, Any]:
    return {
        "id": f"{city}-district-heating-{year}",
        "name": f"District heating of {city}, {year}",
        "activity": "district_heating",
        "gpc_references": ["I.1.2", "I.2.2"],
        "activity_unit": "kWh",
        "gas": "CO2e",
        "value": value,
        "mass_unit": "g",
        "gwp_set": "AR5",
        "region": city,
        "valid_from_year": year,
        "source": "Plant operator, NS 3720:2018",
    }


async def test_a_spanning_reading_waiting_for_a_factor_is_accounted_in_its_parts(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await city_with_factors(client, admin_token)
        # 10 kWh of district heating over 23:00-02:00 in Oslo, before the plant has a factor:
        # one hour in 2022, two in 2023.
        start = datetime(2022, 12, 31, 23, tzinfo=OSLO)
        heat = reading(city, start, 10, sensor="dh", carrier="district_heating").model_copy(
            update={"interval_end": start + timedelta(hours=3)}
        )
        await account(app, [heat])
        waiting = await lineage_of(client, heat)
        assert waiting["status"] == "no_factor" and waiting["co2e_mg"] is None
        assert [(p["local_year"], p["status"]) for p in waiting["parts"]] == [
            (2022, "no_factor"),
            (2023, "no_factor"),
            (2023, "no_factor"),
        ]

        # The plant factor from 2023 arrives; it also stands in for 2022 (no earlier one), so
        # the three parts are weighed together, as if it had been there all along.
        r = await client.post("/v1/factors", json=heat_factor(city, 2023, "40"), headers=admin)
        assert r.status_code == 201, r.text
        done = await lineage_of(client, heat)
        whole = mg(10, "40")  # 400 000 mg
        third = whole * 3333333333 // 10_000_000_000
        assert [p["co2e_mg"] for p in done["parts"]] == [third, third, whole - 2 * third]
        assert (done["status"], done["co2e_mg"]) == ("accounted", whole)
        assert (await ytd(client, city, 2022))["co2e_mg"] == third
        assert (await ytd(client, city, 2023))["co2e_mg"] == whole - third
        assert (await ytd(client, city, 2022))["readings"] == 1  # counted once, in its first hour
        assert (await ytd(client, city, 2023))["readings"] == 0
        # The same reading accounted afresh now gives the same parts, to the mg.
        twin = heat.model_copy(update={"reading_id": uuid.uuid4()})
        await account(app, [twin])
        assert [p["co2e_mg"] for p in (await lineage_of(client, twin))["parts"]] == [
            p["co2e_mg"] for p in done["parts"]
        ]
