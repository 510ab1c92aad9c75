"""Revising a factor recomputes exactly the live figures it produced, and publishes the
difference (SQLite and PostgreSQL, read back from Kafka as CloudEvents)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from shared.events.catalogue import INVENTORY_EVENTS
from shared.events.envelope import CloudEvent
from shared.events.payloads import EmissionsRecalculated, ReadingAccepted
from tests.conftest import ServiceClientFactory
from tests.contracts.test_events import read_until
from tests.inventory.test_accounting_live import (
    API_ONLY,
    account,
    mg,
    problem_field,
    reading,
    register_city,
    staged_events,
)

SCOPE2 = ["I.1.2", "I.2.2", "II.1.2"]


def zone_factor(zone: str, year: int, value: str) -> dict[str, Any]:
    return {
        "id": f"test-{zone.lower()}-grid-{year}",
        "name": f"Grid electricity in {zone}, location-based {year}",
        "activity": "electricity_grid",
        "gpc_references": SCOPE2,
        "activity_unit": "kWh",
        "gas": "CO2e",
        "value": value,
        "mass_unit": "g",
        "gwp_set": "AR5",
        "region": zone,
        "valid_from_year": year,
        "valid_to_year": year,
        "source": "test data (NVE-style declaration per bidding zone)",
    }


async def buckets_by_key(client: httpx.AsyncClient, city: str) -> dict[tuple[str, str], int]:
    rows = (await client.get(f"/v1/cities/{city}/live/hourly", params={"limit": 1000})).json()
    return {(b["gpc_reference"], b["hour"]): b["co2e_mg"] for b in rows}


async def setup(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> tuple[str, str, list[ReadingAccepted], list[ReadingAccepted]]:
    """Two cities: one in NO1 with a zone factor for 2022 and 2023, one in NO2 (national)."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    for factor in (zone_factor("NO1", 2022, "21"), zone_factor("NO1", 2023, "12")):
        r = await client.post("/v1/factors", json=factor, headers=admin)
        assert r.status_code == 201, r.text
    north = await register_city(client, admin_token, zone="NO1")
    south = await register_city(client, admin_token, zone="NO2")
    start = datetime(2023, 3, 1, 6, tzinfo=UTC)
    revised = [
        reading(north, start + timedelta(minutes=25 * i), 12.345 + i, zone="NO1") for i in range(6)
    ]
    untouched = [
        reading(north, datetime(2022, 3, 1, 6, tzinfo=UTC), 40.5, zone="NO1"),  # other year
        reading(south, start, 33.3, zone="NO2"),  # other zone: the national 2023 factor
        reading(
            north,
            start,
            7,
            sensor="counter",
            kind="traffic_counter",
            gpc_reference="II.1.1",
            segment_km=1.5,
            vehicle="bus",
        ),  # other activity
    ]
    await account(app, [*revised, *untouched])
    return north, south, revised, untouched


async def test_revising_a_zones_grid_factor_recomputes_exactly_that_year_and_zone(
    service_client: ServiceClientFactory, broker: str, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", consumers_enabled=False) as (app, client):
        north, south, revised, untouched = await setup(app, client, admin_token)
        north_before = await buckets_by_key(client, north)
        south_before = await buckets_by_key(client, south)
        ytd_before = (
            await client.get(f"/v1/cities/{north}/live/year-to-date", params={"year": 2023})
        ).json()

        r = await client.post(
            "/v1/factors/test-no1-grid-2023/revisions",
            json={"reason": "NVE corrected the 2023 declaration for NO1", "value": "10.5"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        assert r.json()["version"] == 2

        # Independently: each revised reading's new amount minus its old one.
        per_hour: dict[datetime, int] = {}
        for x in revised:
            hour = x.time.replace(minute=0)
            per_hour[hour] = per_hour.get(hour, 0) + mg(x.value, "10.5") - mg(x.value, 12)
        difference = sum(per_hour.values())
        assert difference < 0

        north_after = await buckets_by_key(client, north)
        changed = {k for k in north_after if north_after[k] != north_before[k]}
        assert changed == {("I.1.2", h.isoformat().replace("+00:00", "Z")) for h in per_hour}
        for (ref, hour), amount in north_after.items():
            moment = datetime.fromisoformat(hour)
            moved = per_hour.get(moment, 0) if ref == "I.1.2" else 0
            assert amount == north_before[(ref, hour)] + moved
        assert await buckets_by_key(client, south) == south_before
        ytd_after = (
            await client.get(f"/v1/cities/{north}/live/year-to-date", params={"year": 2023})
        ).json()
        assert ytd_after["co2e_mg"] == ytd_before["co2e_mg"] + difference
        assert ytd_after["readings"] == ytd_before["readings"]

        lineage = (await client.get(f"/v1/readings/{revised[0].reading_id}")).json()
        assert (lineage["factor_id"], lineage["factor_version"]) == ("test-no1-grid-2023", 2)
        assert lineage["co2e_mg"] == mg(revised[0].value, "10.5")
        for x in untouched:
            row = (await client.get(f"/v1/readings/{x.reading_id}")).json()
            assert row["factor_version"] == 1 and row["recalculated_at"] is None

        def ours(event: CloudEvent) -> bool:
            return event.type == EmissionsRecalculated.event_type and event.data["city"] in (
                north,
                south,
            )

        found = await read_until(broker, INVENTORY_EVENTS, ours, count=1)
        assert len(found) == 1, "no emissions.recalculated for the city reached Kafka"
        record, envelope = found[0]
        assert record.key == north.encode()
        assert envelope.specversion == "1.0" and envelope.source == "/klimaby/inventory"
        event = EmissionsRecalculated.model_validate(envelope.data)
        assert event.reason == "factor_revised"
        assert (event.factor_id, event.previous_version, event.factor_version) == (
            "test-no1-grid-2023",
            1,
            2,
        )
        assert event.co2e_mg_delta == difference
        assert event.readings_recalculated == len(revised)
        assert [(c.gpc_reference, c.scope, c.readings, c.co2e_mg_delta) for c in event.cells] == [
            ("I.1.2", 2, len(revised), difference)
        ]
        assert event.period_start == min(per_hour)
        assert event.period_end == max(per_hour) + timedelta(hours=1)
        # Per local month too (contracts adds it to its monthly figures as it stands).
        by_month: dict[tuple[int, int], int] = {}
        for hour, amount in per_hour.items():
            local = hour.astimezone(ZoneInfo("Europe/Oslo"))
            by_month[(local.year, local.month)] = (
                by_month.get((local.year, local.month), 0) + amount
            )
        assert {(c.year, c.month): c.co2e_mg_delta for c in event.cell_months} == by_month
        assert sum(c.co2e_mg_delta for c in event.cell_months) == difference


async def test_revisions_in_a_row_stay_exact_and_a_unit_change_alone_changes_nothing(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **API_ONLY) as (app, client):
        north, _south, revised, _untouched = await setup(app, client, admin_token)
        before = await buckets_by_key(client, north)
        url = "/v1/factors/test-no1-grid-2023/revisions"

        for body in (
            {"reason": "first correction", "value": "13.25"},
            {"reason": "second correction", "value": "11.125"},
            # The same factor per MWh: every amount stays, only the lineage moves on.
            {"reason": "per MWh", "value": "11125", "activity_unit": "MWh"},
        ):
            r = await client.post(url, json=body, headers=admin)
            assert r.status_code == 201, r.text

        after = await buckets_by_key(client, north)
        expected = sum(mg(x.value, "11.125") - mg(x.value, 12) for x in revised)
        assert sum(after.values()) - sum(before.values()) == expected
        events = [
            EmissionsRecalculated.model_validate(e)
            for e in await staged_events(app, EmissionsRecalculated.event_type)
        ]
        assert [(e.factor_version, e.city) for e in events] == [(2, north), (3, north), (4, north)]
        assert sum(e.co2e_mg_delta for e in events) == expected
        assert events[-1].co2e_mg_delta == 0
        row = (await client.get(f"/v1/readings/{revised[-1].reading_id}")).json()
        assert row["factor_version"] == 4 and row["co2e_mg"] == mg(revised[-1].value, "11.125")

        # A revision that no longer weighs kWh cannot apply to the readings: refused, no change.
        r = await client.post(
            url, json={"reason": "wrong unit", "activity_unit": "L"}, headers=admin
        )
        assert r.status_code == 422 and problem_field(r) == "/body/activity_unit"
        assert await buckets_by_key(client, north) == after
        versions = (await client.get("/v1/factors/test-no1-grid-2023/versions")).json()
        assert [v["version"] for v in versions] == [1, 2, 3, 4]


async def test_a_revision_of_a_factor_no_reading_used_publishes_nothing(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **API_ONLY) as (app, client):
        await setup(app, client, admin_token)
        r = await client.post(
            "/v1/factors/no-residual-mix-2020/revisions",
            json={"reason": "typo", "value": "401"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        events: Sequence[dict[str, Any]] = await staged_events(
            app, EmissionsRecalculated.event_type
        )
        assert events == []
