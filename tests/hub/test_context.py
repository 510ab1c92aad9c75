"""Progress in context, on the projection's own tables: published inventories, live months
in the city's local time, the budget's pace (no_data is never on track), per capita from SSB
data, the share cut, the trajectory, actions and the Mission Label read tolerantly from event
types this build does not know."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.hub.progress import views
from services.hub.progress.population import population
from services.hub.progress.service import project
from services.inventory.targets.trajectory import SectorPlan, city_at, years_of
from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.events.payloads import (
    AccountedCell,
    AccountedCellMonth,
    ActionStatusChanged,
    BudgetStatusChanged,
    CityRegistered,
    EmissionsAccounted,
    InventoryPublished,
    TargetPoint,
    TargetSectorPlan,
    TargetSet,
)
from shared.messaging.consumer import ConsumedEvent, UntypedPayload
from tests.hub.test_projection_batches import consumed

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
T = 10**9  # milligrams per tonne


def inventory(
    city: str, year: int, sectors: dict[str, int], version: int = 1
) -> InventoryPublished:
    total = sum(sectors.values())
    return InventoryPublished(
        city=city, year=year, version=version, level="BASIC", gwp_set="AR6",
        basic_co2e_mg=total, basic_plus_co2e_mg=total, territorial_co2e_mg=total,
        tco2e=total / T, sectors_co2e_mg=sectors, territorial_sectors_co2e_mg={},
        published_by="test", published_at=datetime(year + 1, 5, 1, tzinfo=UTC),
    )  # fmt: skip


def accounted_at(city: str, start: datetime, cells: dict[str, int]) -> EmissionsAccounted:
    return EmissionsAccounted(
        city=city, readings_accounted=len(cells), co2e_mg=sum(cells.values()),
        tco2e=sum(cells.values()) / T,
        cells=[AccountedCell(gpc_reference=r, scope=2, readings=1, co2e_mg=mg)
               for r, mg in cells.items()],
        period_start=start, period_end=start + timedelta(minutes=5),
    )  # fmt: skip


def pace(city: str, sector: str, status: str, **extra: Any) -> ConsumedEvent:
    payload = BudgetStatusChanged(
        city=city, year=2026, sector=sector, status=status, ytd_co2e_mg=40 * T,  # type: ignore[arg-type]
        ceiling_co2e_mg=120 * T, prorated_ceiling_co2e_mg=55 * T, profile="flat",
        evaluated_at=NOW,
    )  # fmt: skip
    event = consumed(payload, at=NOW)
    event.envelope.data.update(extra)  # fields a newer inventory may add (coverage)
    return event


def target_set(
    city: str,
    baseline_year: int,
    sectors: dict[str, int],
    target_year: int,
    percent: int,
    version: int = 1,
    set_at: datetime = NOW,
    exempted: dict[str, int] | None = None,
) -> TargetSet:
    """The event the inventory stages for a target, its trajectory by the inventory's rule;
    ``exempted`` gives sectors a later target year."""
    later = exempted or {}
    plans = [SectorPlan(s, mg, baseline_year, later.get(s, target_year), Decimal(percent))
             for s, mg in sectors.items()]  # fmt: skip
    years = years_of(plans, target_year)

    def line(of: list[SectorPlan]) -> list[TargetPoint]:
        return [
            TargetPoint(year=y, co2e_mg=mg) for y in years if (mg := city_at(of, y)) is not None
        ]

    return TargetSet(
        city=city, version=version, previous_version=version - 1 or None,
        baseline_year=baseline_year, baseline_source="inventory",
        baseline_inventory=f"{city}/{baseline_year}/v1", baseline_co2e_mg=sum(sectors.values()),
        baseline_tco2e=Decimal(sum(sectors.values())) / T, target_year=target_year,
        reduction_percent=Decimal(percent), net_zero=False,
        residual_co2e_mg=sum(p.final_mg for p in plans), removals_co2e_mg=0,
        sectors=[TargetSectorPlan(sector=p.sector, baseline_co2e_mg=p.baseline_mg,  # type: ignore[arg-type]
                                  target_year=p.target_year, reduction_percent=Decimal(percent),
                                  target_co2e_mg=p.final_mg, exempted=p.sector in later,
                                  trajectory=line([p]))
                 for p in plans],
        trajectory=line(plans), set_by="test", set_at=set_at,
    )  # fmt: skip


def foreign(event_type: str, data: dict[str, Any], at: datetime = NOW) -> ConsumedEvent:
    """An event of a type this build's catalogue does not know, as the consumer hands it on."""
    envelope = CloudEvent(
        id=str(uuid.uuid4()), source="/klimaby/contracts", type=event_type, time=at, data=data
    )
    return ConsumedEvent("contracts.events.v1", 0, 0, data.get("city"), envelope,
                         UntypedPayload.model_validate(data))  # fmt: skip


@pytest.fixture
def oslo() -> str:
    return "oslo"


async def test_a_city_in_context(hub_db: Database, oslo: str) -> None:
    events = [
        consumed(CityRegistered(city=oslo, name="Oslo", mission_city=True)),
        consumed(inventory(oslo, 2009, {"I": 600 * T, "II": 400 * T})),
        consumed(inventory(oslo, 2023, {"I": 300 * T, "II": 200 * T}, version=1)),
        # A corrected version of 2023, then the older version again (redelivered late).
        consumed(inventory(oslo, 2023, {"I": 300 * T, "II": 250 * T}, version=2)),
        # 00:30 on 1 January 2026 in Oslo is still 2025 in UTC: it belongs to January 2026.
        consumed(accounted_at(oslo, datetime(2025, 12, 31, 23, 30, tzinfo=UTC), {"I.1.2": 2 * T})),
        consumed(
            accounted_at(
                oslo, datetime(2026, 3, 3, 8, tzinfo=UTC), {"I.2.2": 1 * T, "II.1.1": 3 * T}
            )
        ),
        pace(
            oslo,
            "I",
            "on_track",
            measured_share="0.12",
            method="scaled_from_baseline",
            estimate_co2e_mg=50 * T,
        ),
        consumed(target_set(oslo, 2009, {"I": 600 * T, "II": 400 * T}, 2030, 95)),
        foreign(
            "no.klimaby.ccc.action.status_changed",
            {
                "city": oslo,
                "action_id": "a1",
                "title": "Fossilfri byggeplass",
                "status": "on_track",
                "gpc_reference": "II.5.1",
            },
        ),
        foreign(
            "no.klimaby.ccc.action.status_changed",
            {"city": oslo, "action_id": "a2", "status": "delayed"},
        ),
        foreign(
            "no.klimaby.ccc.action.status_changed",
            {"city": oslo, "action_id": "a2", "status": "in_progress"},
            at=NOW - timedelta(days=1),
        ),  # an older status, applied later: it must not win
        # The contracts service's own label event (ccc.label_awarded), and a funding change
        # after it, which must not overwrite the contract's state.
        foreign("no.klimaby.ccc.label_awarded", {"city": oslo, "version": 1}),
        foreign("no.klimaby.ccc.funding_changed", {"city": oslo, "action_id": "a1"}),
        foreign("no.klimaby.something.new", {"city": oslo, "x": 1}),  # unknown: ignored
    ]
    async with hub_db.transaction() as session:
        await project(session, events[:3])
    async with hub_db.transaction() as session:
        await project(session, events[3:])
    async with hub_db.transaction() as session:
        await project(session, [consumed(inventory(oslo, 2023, {"I": 1 * T}, version=1))])
        c = await views.city_context(session, oslo, now=NOW)

    assert [i.year for i in c.inventories] == [2009, 2023]
    latest = c.inventories[1]
    assert (latest.version, str(latest.total_tco2e)) == (2, "550.000000000")
    people = population(oslo, 2023)
    assert people is not None and latest.population and latest.population.count == people.count
    assert latest.per_capita_tco2e is not None
    assert abs(float(latest.per_capita_tco2e) - 550 / people.count) < 1e-9
    assert c.baseline is not None
    assert (c.baseline.year, c.baseline.source, str(c.baseline.tco2e)) == (
        2009, "target", "1000.000000000")  # fmt: skip
    assert c.baseline_cut_share == "0.4500"
    # The trajectory runs from the baseline to 5 % of it in 2030, one point a year.
    assert (c.trajectory[0].year, c.trajectory[-1].year) == (2009, 2030)
    assert str(c.trajectory[-1].tco2e) == "50.000000000"

    live = c.live
    assert (live.year, live.time_zone) == (2026, "Europe/Oslo")
    assert str(live.live_tco2e) == "6.000000000"
    months = {m.month: m for m in live.months}
    assert str(months[1].tco2e) == "2.000000000"  # the 00:30 local reading
    assert str(months[3].tco2e) == "4.000000000"
    assert str(months[12].cumulative_tco2e) == "6.000000000"
    sectors = {s.sector: s for s in live.sectors}
    assert sectors["I"].status == "on_track"
    assert (sectors["I"].measured_share, sectors["I"].method) == (
        "0.120000",
        "scaled_from_baseline",
    )
    # The sector's estimate (not the measured year-to-date) stands against the ceiling.
    assert sectors["I"].estimate_tco2e == Decimal(50 * T) / 10**9
    assert str(sectors["I"].live_tco2e) == "3.000000000"
    # Sector II has live data but no pace evaluated: no_data, never on track.
    assert sectors["II"].status == "no_data"
    assert str(live.ceiling_tco2e) == "120.000000000"
    assert str(months[6].ceiling_cumulative_tco2e) == "60.000000000"

    assert (c.actions.total, c.actions.on_course, c.actions.behind) == (2, 1, 1)
    assert c.actions.by_status == {"delayed": 1, "on_track": 1}
    assert {a.action_id: a.sector for a in c.actions.items} == {"a1": "II", "a2": None}
    assert c.label is not None and c.label.state == "label_awarded"
    assert c.mission_city is True


async def test_the_national_view_compares_cities_on_the_same_basis(hub_db: Database) -> None:
    async with hub_db.transaction() as session:
        await project(session, [
            consumed(CityRegistered(city="oslo", name="Oslo")),
            consumed(CityRegistered(city="tromso", name="Tromsø")),
            consumed(CityRegistered(city="nyby", name="Nyby")),
            consumed(inventory("oslo", 2022, {"I": 700 * T})),
            consumed(inventory("tromso", 2022, {"I": 70 * T})),
            pace("tromso", "II", "off_track"),
        ])  # fmt: skip
        national = await views.national(session, now=NOW)
    by_city = {c.city: c for c in national.cities}
    oslo, tromso, nyby = population("oslo", 2022), population("tromso", 2022), by_city["nyby"]
    assert oslo and tromso
    assert abs(float(by_city["oslo"].per_capita_tco2e or 0) - 700 / oslo.count) < 1e-9
    assert abs(float(by_city["tromso"].per_capita_tco2e or 0) - 70 / tromso.count) < 1e-9
    assert by_city["oslo"].population_year == 2022
    assert by_city["tromso"].sectors_off_track == 1
    # A city without an inventory or population data has no per-capita figure, not zero.
    assert (nyby.per_capita_tco2e, nyby.latest_inventory_year) == (None, None)
    assert "per resident" in national.basis


async def test_a_city_registered_in_another_zone_reads_its_years_there(hub_db: Database) -> None:
    registered = consumed(CityRegistered(city="longyearbyen", name="Longyearbyen"))
    registered.envelope.data["time_zone"] = "America/New_York"
    async with hub_db.transaction() as session:
        await project(session, [registered])
    async with hub_db.transaction() as session:
        # 03:00 UTC on 1 January is still 31 December in New York.
        await project(session, [consumed(accounted_at(
            "longyearbyen", datetime(2026, 1, 1, 3, tzinfo=UTC), {"I.1.1": 5 * T}))])  # fmt: skip
        c = await views.city_context(
            session, "longyearbyen", now=datetime(2026, 1, 1, 3, tzinfo=UTC)
        )
    assert (c.time_zone, c.live.year) == ("America/New_York", 2025)
    assert str(c.live.months[11].tco2e) == "5.000000000"


async def test_every_sector_the_budget_covers_is_listed_with_its_status(hub_db: Database) -> None:
    # The baseline inventory has emissions in I, II and III (the sectors the target's ceilings
    # are set for); only I has a pace and only I has sensors. II and III are "no data", listed,
    # never on track and never left out; IV and V (no emissions in the baseline) are not
    # budgeted.
    city = "bergby"
    async with hub_db.transaction() as session:
        await project(session, [
            consumed(CityRegistered(city=city, name="Bergby")),
            consumed(inventory(city, 2009, {"I": 600 * T, "II": 400 * T, "III": 90 * T,
                                            "IV": 0})),
            consumed(inventory(city, 2023, {"I": 300 * T})),
            consumed(target_set(city, 2009, {"I": 600 * T, "II": 400 * T, "III": 90 * T},
                                2030, 95)),
            consumed(accounted_at(city, datetime(2026, 3, 3, 8, tzinfo=UTC), {"I.1.2": 1 * T})),
            pace(city, "I", "off_track"),
        ])  # fmt: skip
        c = await views.city_context(session, city, now=NOW)
        national = await views.national(session, now=NOW)
    statuses = {s.sector: s.status for s in c.live.sectors}
    assert statuses == {"I": "off_track", "II": "no_data", "III": "no_data"}
    assert [s.sector for s in c.live.sectors] == ["I", "II", "III"]
    waste = next(s for s in c.live.sectors if s.sector == "III")
    assert (waste.readings, waste.ceiling_tco2e, waste.estimate_tco2e) == (0, None, None)
    row = next(r for r in national.cities if r.city == city)
    assert (row.sectors_off_track, row.sectors_no_data) == (1, 2)


async def test_the_targets_trajectory_is_drawn_as_the_inventory_computed_it(
    hub_db: Database,
) -> None:
    # Transport exempted to 2040: the city's line bends in 2030, which no straight line from
    # the baseline to the city's target reproduces; the hub draws the event's points.
    city = "banby"
    event = target_set(city, 2022, {"I": 600 * T, "II": 400 * T}, 2030, 95, exempted={"II": 2040})
    async with hub_db.transaction() as session:
        await project(session, [
            consumed(CityRegistered(city=city, name="Banby")),
            consumed(inventory(city, 2022, {"I": 600 * T, "II": 400 * T})),
            consumed(event),
        ])  # fmt: skip
        c = await views.city_context(session, city, now=NOW)
    assert [(p.year, p.tco2e * T, p.source) for p in c.trajectory] == [
        (p.year, p.co2e_mg, "target") for p in event.trajectory
    ]
    assert (c.trajectory[0].year, c.trajectory[-1].year) == (2022, 2040)
    assert c.trajectory[0].tco2e * T == 1000 * T
    assert c.baseline is not None
    assert (c.baseline.source, c.baseline.inventory, c.baseline.target_version) == (
        "target", f"{city}/2022/v1", 1)  # fmt: skip
    # Only the baseline year is published: no published cut, and no estimate without paces.
    assert (c.baseline_cut_share, c.baseline_cut_estimate) == (None, None)


async def test_the_share_cut_is_estimated_only_when_every_baseline_sector_has_an_estimate(
    hub_db: Database,
) -> None:
    city = "anslagby"
    async with hub_db.transaction() as session:
        await project(session, [
            consumed(CityRegistered(city=city, name="Anslagby")),
            consumed(inventory(city, 2022, {"I": 600 * T, "II": 400 * T})),
            consumed(target_set(city, 2022, {"I": 600 * T, "II": 400 * T}, 2030, 95)),
            pace(city, "I", "on_track", estimate_co2e_mg=200 * T, measured_share=0.25),
        ])  # fmt: skip
        c = await views.city_context(session, city, now=NOW)
        # Sector II has no pace: nothing is known of it, so no cut is claimed for the city.
        assert c.baseline_cut_estimate is None
        await project(session, [pace(city, "II", "no_data", estimate_co2e_mg=0)])
        assert (await views.city_context(session, city, now=NOW)).baseline_cut_estimate is None

        # Both sectors estimated, but nothing measured: the published inventory carried over
        # says nothing of a cut.
        await project(session, [
            pace(city, "I", "off_track", estimate_co2e_mg=200 * T, measured_share=0.0),
            pace(city, "II", "at_risk", estimate_co2e_mg=150 * T),
        ])  # fmt: skip
        assert (await views.city_context(session, city, now=NOW)).baseline_cut_estimate is None

        await project(session, [pace(city, "I", "on_track", estimate_co2e_mg=200 * T,
                                     measured_share=0.25)])  # fmt: skip
        c = await views.city_context(session, city, now=NOW)
        national = await views.national(session, now=NOW)
    estimate = c.baseline_cut_estimate
    assert estimate is not None
    # Both paces expect 55 of 120 t of the ceiling by now: the baseline so far is
    # 1000 t x 55/120; the estimate is 200 + 150 t. 1 - 350 / 458.333… = 0.2364.
    assert (estimate.year, estimate.share) == (2026, "0.2364")
    assert str(estimate.estimate_tco2e) == "350.000000000"
    assert str(estimate.baseline_so_far_tco2e) == "458.333333333"
    assert c.baseline_cut_share is None  # no inventory after the baseline year
    row = next(r for r in national.cities if r.city == city)
    assert (row.baseline_cut_share, row.baseline_cut_estimate_share) == (None, "0.2364")
    assert row.baseline_cut_estimate_year == 2026


async def test_the_contracts_own_action_event_gives_the_action_its_name_and_sector(
    hub_db: Database,
) -> None:
    # The real payload (not a foreign one): its name is `action_name` and its cells are a list.
    event = ActionStatusChanged(
        city="oslo", version=1, action_id="TR-01", action_name="Nullutslipps kollektivtrafikk",
        status="behind", year=2026, months=[1, 2], gpc_references=["II.1.1", "II.1.2"],
        evaluated_at=NOW,
    )  # fmt: skip
    async with hub_db.transaction() as session:
        await project(session, [consumed(event, at=NOW)])
        c = await views.city_context(session, "oslo", now=NOW)
    [item] = c.actions.items
    assert (item.action_id, item.title, item.sector, item.status) == (
        "TR-01", "Nullutslipps kollektivtrafikk", "II", "behind")  # fmt: skip


async def test_a_backfilled_batch_is_booked_in_the_local_months_the_inventory_names(
    hub_db: Database,
) -> None:
    # One batch from January to March (a gateway's history): its amounts go to the months of
    # its cell_months, not all to the month it starts in; its readings to that first month.
    event = accounted_at("oslo", datetime(2026, 1, 5, 8, tzinfo=UTC), {"I.1.2": 3 * T})
    event.cell_months = [
        AccountedCellMonth(gpc_reference="I.1.2", scope=2, year=2026, month=1, co2e_mg=1 * T),
        AccountedCellMonth(gpc_reference="I.1.2", scope=2, year=2026, month=3, co2e_mg=2 * T),
    ]
    async with hub_db.transaction() as session:
        await project(session, [consumed(CityRegistered(city="oslo", name="Oslo")),
                                consumed(event, at=NOW)])  # fmt: skip
        c = await views.city_context(session, "oslo", now=NOW)
    months = {m.month: m for m in c.live.months}
    assert [months[m].tco2e for m in (1, 2, 3)] == [Decimal(1), Decimal(0), Decimal(2)]
    assert str(c.live.live_tco2e) == "3.000000000"
