"""Live accounting, deepened: late readings in their own hour, the year-to-date per GPC cell,
its GPC and territorial views, lineage to factor versions, and readings that wait for a
district-heating plant factor (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from services.inventory.accounting.consumers import account_batch
from services.inventory.accounting.service import BatchResult
from shared.events.catalogue import SENSORS_READINGS
from shared.events.envelope import decode_event, encode_event, new_event
from shared.events.payloads import (
    AccountingParameters,
    EmissionsAccounted,
    EmissionsRecalculated,
    ReadingAccepted,
)
from tests.conftest import ServiceClientFactory
from tests.helpers import eventually

# --- helpers the other live-accounting, recalculation and budget tests share ----------------

# The service without its readings consumer and outbox relay, for tests that account batches
# themselves and read the outbox table, never Kafka: a consumer's group takes seconds to leave
# at shutdown, and the session's shared topics stay small.
API_ONLY: dict[str, Any] = {"consumers_enabled": False, "outbox_relay_enabled": False}


def mg(value: str | float, factor_g: str | int, per: str = "g") -> int:
    """An expected amount computed apart from the code under test: half-even whole mg."""
    scale = {"g": 1_000, "kg": 1_000_000}[per]
    exact = Decimal(str(value)) * Decimal(str(factor_g)) * scale
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def reading(
    city: str,
    time: datetime,
    value: float,
    *,
    sensor: str = "meter-1",
    kind: str = "energy_meter",
    gpc_reference: str = "I.1.2",
    carrier: str | None = "electricity",
    zone: str | None = None,
    segment_km: float | None = None,
    vehicle: str | None = None,
) -> ReadingAccepted:
    quantity = "energy"
    unit = "kWh"
    if kind == "traffic_counter":
        quantity, unit, carrier = "vehicle_count", "{vehicle}", None
    elif carrier in ("diesel", "petrol"):
        quantity, unit = "fuel_volume", "L"
    return ReadingAccepted(
        reading_id=uuid.uuid4(),
        sensor_id=f"gw.{sensor}",
        gateway_id="gw",
        city=city,
        kind=kind,  # type: ignore[arg-type]
        quantity=quantity,  # type: ignore[arg-type]
        value=value,
        unit=unit,
        time=time,
        gpc_reference=gpc_reference,
        accounting=AccountingParameters(
            energy_carrier=carrier,  # type: ignore[arg-type]
            bidding_zone=zone,  # type: ignore[arg-type]
            road_segment_km=segment_km,
            vehicle_class=vehicle,  # type: ignore[arg-type]
        ),
        received_at=datetime.now(UTC),
    )


async def account(app: FastAPI, readings: Sequence[ReadingAccepted]) -> BatchResult:
    """What the consumer does with one batch, in one transaction (no broker in between)."""
    async with app.state.db.transaction() as session:
        return await account_batch(session, app.state.outbox, readings)


async def register_city(
    client: httpx.AsyncClient, admin_token: str, zone: str = "NO1", prefix: str = "testby"
) -> str:
    city = f"{prefix}-{uuid.uuid4().hex[:8]}"
    r = await client.post(
        "/v1/cities",
        json={"slug": city, "name": city.title(), "bidding_zone": zone},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert r.status_code == 201, r.text
    return city


async def staged_events(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    """The events this service's outbox holds of one type (published or not), oldest first."""
    outbox = app.state.outbox.tables.outbox
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
        )
        return [decode_event(row.payload.encode()).data for row in rows]


def problem_field(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["invalid-params"][0]["name"])


# --- tests ----------------------------------------------------------------------------------


async def test_a_late_reading_lands_in_the_hour_it_belongs_to(
    service_client: ServiceClientFactory, broker: str, admin_token: str
) -> None:
    """Through the broker and the real consumer: newer readings first, then one of three days
    ago; it lands in its own hour's bucket, not in the newest."""
    async with service_client("inventory", outbox_relay_enabled=False) as (_app, client):
        city = await register_city(client, admin_token)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        newer = [reading(city, now - timedelta(minutes=50 - 10 * i), 10.0) for i in range(3)]
        late_hour = now - timedelta(days=3, hours=5)
        late = reading(city, late_hour + timedelta(minutes=42), 4.0)
        producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all")
        await producer.start()
        try:
            for r in [*newer, late]:  # the late one is published last
                event = new_event(r, source="/klimaby/sensors", event_id=str(r.reading_id))
                await producer.send_and_wait(
                    SENSORS_READINGS, encode_event(event), key=r.sensor_id.encode()
                )
        finally:
            await producer.stop()

        async def buckets() -> list[dict[str, Any]]:
            return (await client.get(f"/v1/cities/{city}/live/hourly")).json()

        seen = await eventually(buckets, lambda b: sum(x["readings"] for x in b) == 4)
        by_hour = {datetime.fromisoformat(b["hour"]): b for b in seen}
        assert by_hour[late_hour]["readings"] == 1
        assert by_hour[late_hour]["co2e_mg"] == mg(4.0, 15)
        newest_hour = now - timedelta(hours=1)
        assert by_hour[newest_hour]["readings"] == 3
        assert set(by_hour) == {late_hour, newest_hour}

        lineage = (
            await client.get(
                f"/v1/cities/{city}/live/lineage",
                params={"gpc_reference": "I.1.2", "hour": late_hour.isoformat()},
            )
        ).json()
        assert [row["reading_id"] for row in lineage] == [str(late.reading_id)]
        assert lineage[0]["factor_id"] == "no-grid-location-2023"
        assert lineage[0]["bidding_zone"] == "NO1"  # the city's zone: the sensor named none


async def test_year_to_date_per_cell_with_its_gpc_and_territorial_views(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        now = datetime.now(UTC)
        this_year = datetime(now.year, 1, 1, 6, tzinfo=UTC)
        last_year = datetime(now.year - 1, 12, 31, 22, tzinfo=UTC)
        await account(
            app,
            [
                reading(city, this_year, 100.0),  # electricity, I.1.2, scope 2
                reading(city, this_year, 40.0, sensor="m2", gpc_reference="I.2.2"),
                reading(
                    city,
                    this_year,
                    10,
                    sensor="counter",
                    kind="traffic_counter",
                    gpc_reference="II.1.1",
                    segment_km=2.0,
                    vehicle="car",
                ),
                reading(
                    city, this_year, 3.0, sensor="tank", gpc_reference="II.1.1", carrier="diesel"
                ),
                reading(city, last_year, 500.0),  # last year: not in this year's figures
            ],
        )
        electricity = mg(100, 15) + mg(40, 15)
        road = mg(10 * 2, 112) + mg(3, "2.66", per="kg")

        ytd = (await client.get(f"/v1/cities/{city}/live/year-to-date")).json()
        assert ytd["year"] == now.year
        cells = {c["gpc_reference"]: c for c in ytd["cells"]}
        assert cells["I.1.2"]["co2e_mg"] == mg(100, 15)
        assert cells["I.2.2"]["co2e_mg"] == mg(40, 15)
        assert cells["II.1.1"]["co2e_mg"] == road
        assert cells["II.1.1"] | {"readings": 2, "scope": 1, "sector": "II"} == cells["II.1.1"]
        assert cells["I.1.2"]["territorial_sector"] is None
        assert ytd["co2e_mg"] == electricity + road
        assert ytd["readings"] == 4

        before = (
            await client.get(f"/v1/cities/{city}/live/year-to-date", params={"year": now.year - 1})
        ).json()
        assert before["co2e_mg"] == mg(500, 15)  # 2023's factor stands for later years

        gpc = (await client.get(f"/v1/cities/{city}/live/views/gpc")).json()
        assert gpc["basic"]["co2e_mg"] == electricity + road
        assert gpc["basic_plus"]["co2e_mg"] == electricity + road
        assert {g["key"]: g["co2e_mg"] for g in gpc["by_scope"]} == {"1": road, "2": electricity}
        assert {g["key"]: g["co2e_mg"] for g in gpc["by_sector"]} == {"I": electricity, "II": road}
        assert [g["key"] for g in gpc["by_subsector"]] == ["I.1", "I.2", "II.1"]
        # By the factor's gas: the grid and road factors are CO2e, diesel is CO2.
        assert {g["key"]: g["co2e_mg"] for g in gpc["by_gas"]} == {
            "CO2e": electricity + mg(10 * 2, 112),
            "CO2": mg(3, "2.66", per="kg"),
        }

        territorial = (await client.get(f"/v1/cities/{city}/live/views/territorial")).json()
        sectors = {s["sector"]: s for s in territorial["sectors"]}
        assert territorial["total"]["co2e_mg"] == road
        assert sectors["road_traffic"]["co2e_mg"] == road
        assert sectors["road_traffic"]["cells"] == ["II.1.1"]
        assert sectors["heating"]["co2e_mg"] == 0
        assert {z["gpc_reference"]: z["co2e_mg"] for z in territorial["counted_zero"]} == {
            "I.1.2": mg(100, 15),
            "I.2.2": mg(40, 15),
        }


async def test_a_city_with_only_electricity_meters_is_zero_in_the_territorial_view(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token, zone="NO2")
        now = datetime.now(UTC)
        await account(app, [reading(city, now, 250.0), reading(city, now, 12.5, sensor="m2")])
        scope2 = mg(250, 15) + mg("12.5", 15)
        gpc = (await client.get(f"/v1/cities/{city}/live/views/gpc")).json()
        territorial = (await client.get(f"/v1/cities/{city}/live/views/territorial")).json()
        assert gpc["basic"]["co2e_mg"] == scope2
        assert {g["key"]: g["co2e_mg"] for g in gpc["by_scope"]} == {"2": scope2}
        assert territorial["total"]["co2e_mg"] == 0
        assert all(s["co2e_mg"] == 0 for s in territorial["sectors"])
        assert territorial["counted_zero"][0]["reason"].startswith("grid-supplied energy")


async def test_district_heating_waits_for_its_plant_factor_then_counts_in_its_hours(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        other = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        heat = [
            reading(
                city, hour + timedelta(minutes=5), 80.0, sensor="dh", carrier="district_heating"
            ),
            reading(
                city, hour + timedelta(minutes=65), 20.0, sensor="dh", carrier="district_heating"
            ),
        ]
        elsewhere = reading(other, hour, 99.0, sensor="dh", carrier="district_heating")
        power = reading(city, hour + timedelta(minutes=10), 50.0)
        result = await account(app, [*heat, elsewhere, power])
        assert result.unaccounted == 3

        waiting = (await client.get(f"/v1/readings/{heat[0].reading_id}")).json()
        assert waiting["status"] == "no_factor" and waiting["co2e_mg"] is None
        ytd = (await client.get(f"/v1/cities/{city}/live/year-to-date")).json()
        assert ytd["co2e_mg"] == mg(50, 15)

        # The city's plant factor arrives through the factor library.
        r = await client.post(
            "/v1/factors",
            json={
                "id": f"{city}-district-heating",
                "name": "District heating, the city's plant mix (NS 3720)",
                "activity": "district_heating",
                "gpc_references": ["I.1.2", "I.2.2"],
                "activity_unit": "MWh",  # per MWh, while meters count kWh
                "gas": "CO2e",
                "value": "41.5",
                "mass_unit": "kg",
                "gwp_set": "AR5",
                "region": city,
                "valid_from_year": 2019,
                "source": "Plant operator, NS 3720:2018",
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code == 201, r.text

        # 41.5 kg/MWh = 41.5 g/kWh
        first, second = mg(80, "41.5"), mg(20, "41.5")
        buckets = {
            datetime.fromisoformat(b["hour"]): b["co2e_mg"]
            for b in (await client.get(f"/v1/cities/{city}/live/hourly")).json()
        }
        assert buckets == {hour: first + mg(50, 15), hour + timedelta(hours=1): second}
        ytd = (await client.get(f"/v1/cities/{city}/live/year-to-date")).json()
        assert ytd["co2e_mg"] == first + second + mg(50, 15)
        assert ytd["readings"] == 3

        factors = (
            await client.get(
                f"/v1/cities/{city}/live/lineage/factors",
                params={"gpc_reference": "I.1.2", "hour": hour.isoformat()},
            )
        ).json()
        assert {
            (f["factor_id"], f["factor_version"], f["readings"], f["co2e_mg"]) for f in factors
        } == {
            (f"{city}-district-heating", 1, 1, first),
            ("no-grid-location-2023", 1, 1, mg(50, 15)),
        }
        lineage = (await client.get(f"/v1/readings/{heat[0].reading_id}")).json()
        assert lineage["status"] == "accounted" and lineage["recalculated_at"] is not None
        still = (await client.get(f"/v1/readings/{elsewhere.reading_id}")).json()
        assert still["status"] == "no_factor"

        events = [
            EmissionsRecalculated.model_validate(e)
            for e in await staged_events(app, EmissionsRecalculated.event_type)
        ]
        (event,) = [e for e in events if e.city == city]
        assert event.reason == "factor_added" and event.previous_version is None
        assert event.co2e_mg_delta == first + second
        assert [(c.gpc_reference, c.readings) for c in event.cells] == [("I.1.2", 2)]


async def test_bad_live_queries_are_problems_naming_the_field(
    service_client: ServiceClientFactory,
) -> None:
    async with service_client("inventory", **API_ONLY) as (_app, client):
        r = await client.get("/v1/cities/Not A City/live/year-to-date")
        assert r.status_code == 422 and problem_field(r) == "/path/city"
        r = await client.get("/v1/cities/oslo/live/year-to-date", params={"year": 1066})
        assert r.status_code == 422 and problem_field(r) == "/query/year"
        r = await client.get("/v1/cities/oslo/live/views/gpc", params={"year": "soon"})
        assert r.status_code == 422 and problem_field(r) == "/query/year"
        r = await client.get(
            "/v1/cities/oslo/live/lineage/factors", params={"gpc_reference": "I.1.2"}
        )
        assert r.status_code == 422 and problem_field(r) == "/query/hour"
        r = await client.get(f"/v1/readings/{uuid.uuid4()}")
        assert r.status_code == 404 and problem_field(r) == "/path/reading_id"
        # What a database cannot take is refused before it gets there (a 5xx otherwise).
        r = await client.get("/v1/readings/ab%00c")
        assert r.status_code == 422 and problem_field(r) == "/path/reading_id"
        r = await client.get(
            "/v1/cities/oslo/live/lineage",
            params={"gpc_reference": "I.1\x00", "hour": "2026-01-01T00:00:00Z"},
        )
        assert r.status_code == 422 and problem_field(r) == "/query/gpc_reference"
        r = await client.get(
            "/v1/cities/oslo/live/lineage",
            params={"gpc_reference": "I.1.2", "hour": "0001-01-01T00:00:00+01:00"},
        )
        assert r.status_code == 422 and problem_field(r) == "/query/hour"
        r = await client.get("/v1/cities/oslo/live", params={"start": "9999-12-31T23:00:00-05:00"})
        assert r.status_code == 422 and problem_field(r) == "/query/start"


async def test_an_accounted_batch_tells_its_months_and_its_sensor_groups_activity(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    """A backfilled reading over a month boundary: emissions.accounted gives each cell per
    local month (from the hourly buckets, exactly) and the coverage group's activity per month,
    which contracts follows for MEL indicators."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        oslo = ZoneInfo("Europe/Oslo")
        start = datetime(2026, 1, 31, 23, tzinfo=oslo).astimezone(UTC)  # two hours, two months
        grouped = reading(city, start, 100.0, sensor="bygg-1").model_copy(
            update={"interval_end": start + timedelta(hours=2)}
        )
        grouped.accounting.coverage_group = "kommunale-bygg"
        plain = reading(city, start, 7.0, sensor="meter-2")
        await account(app, [grouped, plain])

        (event,) = [
            EmissionsAccounted.model_validate(e)
            for e in await staged_events(app, EmissionsAccounted.event_type)
            if e["city"] == city
        ]
        jan, feb = mg(50 + 7, 15), mg(50, 15)
        assert [(c.gpc_reference, c.year, c.month, c.co2e_mg) for c in event.cell_months] == [
            ("I.1.2", 2026, 1, jan),
            ("I.1.2", 2026, 2, feb),
        ]
        assert sum(c.co2e_mg for c in event.cell_months) == sum(c.co2e_mg for c in event.cells)
        assert [
            (
                g.group,
                g.gpc_reference,
                g.year,
                g.month,
                g.readings,
                g.activity_value,
                g.activity_unit,
            )
            for g in event.sensor_groups
        ] == [
            ("kommunale-bygg", "I.1.2", 2026, 1, 1, Decimal(50), "kWh"),
            ("kommunale-bygg", "I.1.2", 2026, 2, 0, Decimal(50), "kWh"),
        ]
