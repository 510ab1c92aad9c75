"""Actions tracked against the live inventory: contracts consumes inventory.events.v1 from the
real broker, and an action's status follows the data (not edit dates); each change of status
is published as action.status_changed on contracts.events.v1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.contracts.tracking.service import TIME_ZONE, judged_period
from shared.events.catalogue import CONTRACTS_EVENTS, INVENTORY_EVENTS
from shared.events.envelope import CloudEvent, encode_event, new_event
from shared.events.payloads import (
    AccountedCell,
    AccountedCellMonth,
    AccountedSensorGroup,
    ActionStatusChanged,
    EmissionsAccounted,
    EmissionsRecalculated,
    EventPayload,
    InventoryPublished,
    RecalculatedCell,
    RecalculatedCellMonth,
)
from shared.localtime import zone
from tests.conftest import ServiceClientFactory
from tests.contracts.ccc_helpers import action, start_ccc
from tests.contracts.test_events import read_until
from tests.helpers import eventually


@pytest.fixture
async def contracts(
    service_client: ServiceClientFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Here the consumers run: tracking is what consumes the inventory's events."""
    async with service_client("contracts") as running:
        yield running


async def publish(broker: str, city: str, *payloads: EventPayload) -> None:
    """Publish as the inventory does: CloudEvents on inventory.events.v1 keyed by city."""
    producer = AIOKafkaProducer(bootstrap_servers=broker)
    await producer.start()
    try:
        for payload in payloads:
            event = new_event(payload, source="/klimaby/inventory", subject=city)
            await producer.send_and_wait(
                INVENTORY_EVENTS,
                encode_event(event),
                key=city.encode(),
                headers=[("content-type", b"application/cloudevents+json")],
            )
    finally:
        await producer.stop()


def road(city: str, year: int, month: int, co2e_mg: int) -> EmissionsAccounted:
    start = datetime(year, month, 10, 8, tzinfo=zone(TIME_ZONE)).astimezone(UTC)
    return EmissionsAccounted(
        city=city,
        readings_accounted=10,
        co2e_mg=co2e_mg,
        tco2e=co2e_mg / 1e9,
        cells=[AccountedCell(gpc_reference="II.1.1", scope=1, readings=10, co2e_mg=co2e_mg)],
        period_start=start,
        period_end=start + timedelta(hours=1),
    )


def road_revised(city: str, year: int, month: int, delta_mg: int) -> EmissionsRecalculated:
    start = datetime(year, month, 10, 8, tzinfo=zone(TIME_ZONE)).astimezone(UTC)
    return EmissionsRecalculated(
        city=city,
        reason="factor_revised",
        factor_id="road-car",
        factor_version=2,
        previous_version=1,
        readings_recalculated=10,
        co2e_mg_delta=delta_mg,
        tco2e_delta=delta_mg / 1e9,
        cells=[
            RecalculatedCell(gpc_reference="II.1.1", scope=1, readings=10, co2e_mg_delta=delta_mg)
        ],
        period_start=start,
        period_end=start + timedelta(hours=1),
    )


async def test_a_road_transport_action_turns_behind_and_on_course_with_the_live_figure(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    year, months = judged_period(datetime.now(UTC))
    month = months[0]
    # Baseline 1 000 t in II.1; the action cuts nothing last year and 100 t this year: the
    # path asks the road figure to fall by 10 % from last year to this year.
    await start_ccc(
        client,
        token,
        city,
        {
            "a1_baseline": {"city": city, "year": 2022, "version": 1},
            "a2_emissions_gap": {
                "sectors": [
                    {
                        "gpc_reference": "II.1",
                        "baseline_year": 2022,
                        "baseline_tco2e": "1000",
                        "target_year": 2030,
                        "target_tco2e": "100",
                        "source": "test figures",
                    }
                ]
            },
            "b2_actions": [
                action(
                    "TR-01",
                    reductions=[("II.1", year - 1, "0"), ("II.1", year, "100")],
                ),
                # Energy in buildings: no A-2 sector holds I.1, so it cannot be judged.
                action("BE-01", field="buildings_and_energy", reductions=[("I.1", year, "5")]),
            ],
        },
    )

    async def status() -> dict[str, Any]:
        r = await client.get(f"/v1/cities/{city}/ccc/tracking/actions/TR-01")
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert (await status())["status"] == "no_data"

    # Last year 1.0 t in the month, this year 0.85 t: a fall of 15 % ≥ 10 %, on course.
    await publish(broker, city, road(city, year - 1, month, 1_000_000_000))
    await publish(broker, city, road(city, year, month, 850_000_000))
    seen = await eventually(status, lambda s: s["status"] == "on_course")
    assert seen["status"] == "on_course", seen
    judged = seen["references"][0]
    assert judged["gpc_reference"] == "II.1"
    assert judged["months"] == [month]
    assert judged["observed_tco2e"] == "0.850000000"
    assert judged["previous_year_tco2e"] == "1.000000000"
    assert judged["allowed_tco2e"] == "0.900000000"
    this_month = next(p for p in judged["series"] if (p["year"], p["month"]) == (year, month))
    assert this_month == {
        "year": year,
        "month": month,
        "observed_tco2e": "0.850000000",
        "path_tco2e": "0.900000000",
    }

    # More road traffic this year: 0.95 t does not fall along the path.
    await publish(broker, city, road(city, year, month, 100_000_000))
    seen = await eventually(status, lambda s: s["status"] == "behind")
    assert seen["status"] == "behind", seen
    assert seen["references"][0]["observed_tco2e"] == "0.950000000"

    # A factor revision lowers this year's figure to 0.90 t: exactly on the path.
    await publish(broker, city, road_revised(city, year, month, -50_000_000))
    seen = await eventually(status, lambda s: s["status"] == "on_course")
    assert seen["status"] == "on_course", seen

    other = (await client.get(f"/v1/cities/{city}/ccc/tracking/actions/BE-01")).json()
    assert other["status"] == "no_data"
    assert other["unjudged_reductions"] == ["I.1"]

    def ours(event: CloudEvent) -> bool:
        return (
            event.type == ActionStatusChanged.event_type
            and event.data["city"] == city
            and event.data["action_id"] == "TR-01"
        )

    published = await read_until(broker, CONTRACTS_EVENTS, ours, count=4)
    changes = [event.payload() for _, event in published]
    assert [(c.previous_status, c.status) for c in changes] == [  # type: ignore[attr-defined]
        (None, "no_data"),
        ("no_data", "on_course"),
        ("on_course", "behind"),
        ("behind", "on_course"),
    ]
    behind = changes[2]
    assert isinstance(behind, ActionStatusChanged)
    assert behind.gpc_references == ["II.1"]
    assert behind.observed_co2e_mg == 950_000_000
    assert behind.allowed_co2e_mg == 900_000_000
    assert behind.year == year and behind.months == [month]
    assert all(record.key == city.encode() for record, _ in published)


async def test_a_redelivered_event_is_counted_once_and_a_published_inventory_is_known(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    year, months = judged_period(datetime.now(UTC))
    await start_ccc(
        client,
        token,
        city,
        {
            "a1_baseline": {"city": city, "year": 2022, "version": 1},
            "b3_indicators": [
                {
                    "id": "IND-1",
                    "name": "Utslipp fra veitrafikk",
                    "unit": "tCO2e",
                    "target_2025": "900",
                    "target_2030": "400",
                    "live_source": {"kind": "gpc", "gpc_reference": "II.1"},
                },
                {
                    "id": "IND-2",
                    "name": "Energibruk i skoler",
                    "unit": "MWh",
                    "live_source": {"kind": "sensor_group", "sensor_ids": ["gw_1.meter-1"]},
                },
                {
                    "id": "IND-3",
                    "name": "Energibruk i kommunale bygg",
                    "unit": "kWh",
                    "target_2025": "150",
                    "target_2030": "120",
                    "live_source": {"kind": "sensor_group", "group": "kommunale-bygg"},
                },
            ],
        },
    )
    version = (await client.get(f"/v1/cities/{city}/ccc/versions/1")).json()
    assert version["baseline"]["published"] is False

    accounted = road(city, year, months[0], 2_000_000_000)
    accounted.sensor_groups = [
        AccountedSensorGroup(
            group="kommunale-bygg",
            gpc_reference="I.2.2",
            year=year,
            month=months[0],
            readings=3,
            activity_value=Decimal("1234.5678905"),
            activity_unit="kWh",
        )
    ]
    event = new_event(accounted, source="/klimaby/inventory")
    published = InventoryPublished(
        city=city,
        year=2022,
        version=1,
        level="BASIC",
        gwp_set="AR5",
        basic_co2e_mg=1_234_000_000_000,
        basic_plus_co2e_mg=1_300_000_000_000,
        territorial_co2e_mg=1_000_000_000_000,
        tco2e=1234.0,
        sectors_co2e_mg={"II": 1_234_000_000_000},
        territorial_sectors_co2e_mg={},
        published_by="test",
        published_at=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker)
    await producer.start()
    try:
        # The same CloudEvent twice (an outbox relay retrying): applied once.
        for _ in range(2):
            await producer.send_and_wait(INVENTORY_EVENTS, encode_event(event), key=city.encode())
    finally:
        await producer.stop()
    await publish(broker, city, published)

    async def baseline() -> dict[str, Any]:
        r = await client.get(f"/v1/cities/{city}/ccc/versions/1")
        return dict(r.json()["baseline"])

    seen = await eventually(baseline, lambda b: b["published"])
    assert seen == {
        "city": city,
        "year": 2022,
        "version": 1,
        "published": True,
        "total_tco2e": "1234.000000000",
        "level": "BASIC",
        "link": f"/v1/cities/{city}/inventories/2022/versions/1",
    }
    indicator = (await client.get(f"/v1/cities/{city}/ccc/tracking/indicators/IND-1")).json()
    assert indicator["tracked"] is True
    assert indicator["observed_unit"] == "tCO2e"
    assert indicator["series"] == [
        {"year": year, "month": months[0], "observed": "2.000000000", "path": None}
    ]
    # A sensor group is followed by the coverage group its sensors are registered with.
    unnamed = (await client.get(f"/v1/cities/{city}/ccc/tracking/indicators/IND-2")).json()
    assert unnamed["tracked"] is False and "coverage group" in unnamed["reason"]
    group = (await client.get(f"/v1/cities/{city}/ccc/tracking/indicators/IND-3")).json()
    assert group["tracked"] is True and group["observed_unit"] == "kWh"
    # Counted once although delivered twice; kept in millionths of a kWh (half even).
    assert group["series"] == [
        {"year": year, "month": months[0], "observed": "1234.567890", "path": None}
    ]
    assert group["judgement"]["status"] == "no_data"  # no month of last year to compare


async def test_the_tracked_portfolio_is_announced_when_its_actions_change(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    from shared.events.payloads import CccPortfolioChanged
    from tests.contracts.test_partners import bearer

    _, client = contracts
    token = city_token(city)
    await start_ccc(client, token, city, {"b2_actions": [action("A-1")]})
    base = f"/v1/cities/{city}/ccc/versions/1/actions"
    r = await client.put(
        f"{base}/A-2", json=action("A-2", reductions=[("II.1", 2030, "5")]), headers=bearer(token)
    )
    assert r.status_code == 201
    # Replacing an action without changing the set announces nothing new.
    r = await client.put(f"{base}/A-2", json=action("A-2"), headers=bearer(token))
    assert r.status_code == 200
    assert (await client.delete(f"{base}/A-1", headers=bearer(token))).status_code == 204

    def ours(event: CloudEvent) -> bool:
        return event.type == CccPortfolioChanged.event_type and event.data["city"] == city

    published = await read_until(broker, CONTRACTS_EVENTS, ours, count=3)
    portfolios = [event.payload() for _, event in published]
    assert [[a.action_id for a in p.actions] for p in portfolios] == [  # type: ignore[attr-defined]
        ["A-1"],
        ["A-1", "A-2"],
        ["A-2"],
    ]
    assert portfolios[1].actions[1].gpc_references == ["II.1"]  # type: ignore[attr-defined]


def group_activity(city: str, year: int, month: int, kwh: str) -> EmissionsAccounted:
    """An accounted batch of the municipal buildings' meters (coverage group kommunale-bygg)."""
    start = datetime(year, month, 10, 8, tzinfo=zone(TIME_ZONE)).astimezone(UTC)
    return EmissionsAccounted(
        city=city,
        readings_accounted=1,
        co2e_mg=1_000,
        tco2e=1e-6,
        cells=[AccountedCell(gpc_reference="I.2.2", scope=2, readings=1, co2e_mg=1_000)],
        period_start=start,
        period_end=start + timedelta(hours=1),
        sensor_groups=[
            AccountedSensorGroup(
                group="kommunale-bygg",
                gpc_reference="I.2.2",
                year=year,
                month=month,
                readings=1,
                activity_value=Decimal(kwh),
                activity_unit="kWh",
            )
        ],
    )


async def test_an_action_follows_its_sensor_group_indicator_along_the_target_path(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, client = contracts
    year, months = judged_period(datetime.now(UTC))
    month = months[0]
    # No A-2 sector: the action is judged by its indicator alone. Its targets fall from 150
    # (2025) to 120 (2030), at most 4.8 % a year: a 10 % fall is on course, a rise behind.
    await start_ccc(
        client,
        city_token(city),
        city,
        {
            "b2_actions": [action("BE-02", field="buildings_and_energy")],
            "b3_indicators": [
                {
                    "id": "IND-BE-2",
                    "name": "Energibruk i kommunale bygg",
                    "unit": "kWh",
                    "target_2025": "150",
                    "target_2030": "120",
                    "action_ids": ["BE-02"],
                    "live_source": {"kind": "sensor_group", "group": "kommunale-bygg"},
                }
            ],
        },
    )
    targets_known = 2026 <= year <= 2030  # the targets give a step from year - 1 to year
    await publish(broker, city, group_activity(city, year - 1, month, "1000"))
    await publish(broker, city, group_activity(city, year, month, "900"))

    async def tracking() -> dict[str, Any]:
        r = await client.get(f"/v1/cities/{city}/ccc/tracking/actions/BE-02")
        assert r.status_code == 200, r.text
        return dict(r.json())

    expected = "on_course" if targets_known else "no_data"
    seen = await eventually(tracking, lambda t: t["indicators"][0]["status"] == expected)
    assert seen["status"] == expected, seen
    assert seen["indicators"][0]["indicator_id"] == "IND-BE-2"
    indicator = (await client.get(f"/v1/cities/{city}/ccc/tracking/indicators/IND-BE-2")).json()
    assert indicator["judgement"]["months"] == ([month] if targets_known else [])
    this_month = next(p for p in indicator["series"] if (p["year"], p["month"]) == (year, month))
    assert this_month["observed"] == "900.000000"

    # More energy used this year than last: behind the target path.
    await publish(broker, city, group_activity(city, year, month, "200"))
    if targets_known:
        seen = await eventually(tracking, lambda t: t["status"] == "behind")
        assert seen["status"] == "behind", seen

        def ours(event: CloudEvent) -> bool:
            return (
                event.type == ActionStatusChanged.event_type
                and event.data["city"] == city
                and event.data["status"] == "behind"
            )

        published = await read_until(broker, CONTRACTS_EVENTS, ours, count=1)
        change = published[0][1].payload()
        assert isinstance(change, ActionStatusChanged)
        assert change.indicator_ids == ["IND-BE-2"] and change.gpc_references == []
        assert change.observed_co2e_mg is None  # no sector judged: no emissions figure


async def test_a_backfilled_batch_over_months_lands_in_the_months_its_cells_name(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    """A backfill batch from November to January: its cell_months say what fell in each month,
    so December (which it only spans) gets nothing, and a revision's months likewise."""
    _, client = contracts
    await start_ccc(
        client,
        city_token(city),
        city,
        {
            "b3_indicators": [
                {
                    "id": "IND-1",
                    "name": "Utslipp fra veitrafikk",
                    "unit": "tCO2e",
                    "live_source": {"kind": "gpc", "gpc_reference": "II.1"},
                }
            ]
        },
    )
    start = datetime(2024, 11, 20, tzinfo=zone(TIME_ZONE)).astimezone(UTC)
    end = datetime(2025, 1, 20, tzinfo=zone(TIME_ZONE)).astimezone(UTC)
    road_cell: dict[str, Any] = {"gpc_reference": "II.1.1", "scope": 1}
    accounted = EmissionsAccounted(
        city=city,
        readings_accounted=2,
        co2e_mg=3_000_000_000,
        tco2e=3.0,
        cells=[AccountedCell(**road_cell, readings=2, co2e_mg=3_000_000_000)],
        cell_months=[
            AccountedCellMonth(**road_cell, year=2024, month=11, co2e_mg=1_000_000_000),
            AccountedCellMonth(**road_cell, year=2025, month=1, co2e_mg=2_000_000_000),
        ],
        period_start=start,
        period_end=end,
    )
    revised = EmissionsRecalculated(
        city=city,
        reason="factor_revised",
        factor_id="road-car",
        factor_version=2,
        previous_version=1,
        readings_recalculated=1,
        co2e_mg_delta=-500_000_000,
        tco2e_delta=-0.5,
        cells=[RecalculatedCell(**road_cell, readings=1, co2e_mg_delta=-500_000_000)],
        cell_months=[
            RecalculatedCellMonth(**road_cell, year=2025, month=1, co2e_mg_delta=-500_000_000)
        ],
        period_start=start,
        period_end=end,
    )
    await publish(broker, city, accounted, revised)

    async def series() -> list[dict[str, Any]]:
        r = await client.get(f"/v1/cities/{city}/ccc/tracking/indicators/IND-1")
        return list(r.json()["series"])

    seen = await eventually(series, lambda s: any(p["observed"] == "1.500000000" for p in s))
    assert [(p["year"], p["month"], p["observed"]) for p in seen] == [
        (2024, 11, "1.000000000"),
        (2025, 1, "1.500000000"),
    ]
