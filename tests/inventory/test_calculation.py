"""Reading → activity → emissions, on the reference factors (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from services.inventory.accounting.calculation import (
    Accountant,
    Activity,
    account,
    emissions_mg,
    hour_of,
    scope_of,
    split_mg,
)
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.service import FactorBook
from services.inventory.seed import reference_factors
from services.inventory.targets.trajectory import SectorPlan
from shared.events.payloads import AccountingParameters, ReadingAccepted

BOOK = FactorBook.of(reference_factors())


def reading(**overrides: object) -> ReadingAccepted:
    base: dict[str, object] = dict(
        reading_id=uuid.uuid4(),
        sensor_id="s",
        gateway_id="g",
        city="oslo",
        kind="energy_meter",
        quantity="energy",
        value=10.0,
        unit="kWh",
        time=datetime(2023, 5, 1, 12, 30, tzinfo=UTC),
        gpc_reference="I.1.2",
        accounting=AccountingParameters(energy_carrier="electricity", bidding_zone="NO1"),
        received_at=datetime.now(UTC),
    )
    base.update(overrides)
    return ReadingAccepted.model_validate(base)


def test_electricity_uses_the_grid_factor_of_the_reading_year() -> None:
    result = account(reading(), BOOK)
    assert result.factor is not None and result.factor.id == "no-grid-location-2023"
    assert result.co2e_mg == 10 * 15 * 1000  # 10 kWh x 15 g/kWh
    assert result.scope == 2


def test_a_year_without_its_own_factor_takes_the_newest_earlier_one() -> None:
    r2021 = account(reading(time=datetime(2021, 3, 1, tzinfo=UTC)), BOOK)
    r2026 = account(reading(time=datetime(2026, 3, 1, tzinfo=UTC)), BOOK)
    assert r2021.factor is not None and r2021.factor.valid_from_year == 2020
    assert r2026.factor is not None and r2026.factor.valid_from_year == 2023


def test_traffic_is_count_times_segment_times_vehicle_factor() -> None:
    result = account(
        reading(
            kind="traffic_counter",
            quantity="vehicle_count",
            value=120,
            unit="{vehicle}",
            gpc_reference="II.1.1",
            accounting=AccountingParameters(road_segment_km=0.75, vehicle_class="bus"),
        ),
        BOOK,
    )
    assert result.factor is not None and result.factor.id == "no-road-bus"
    assert result.co2e_mg == int(Decimal(120) * Decimal("0.75") * 613 * 1000)
    assert result.scope == 1


def test_diesel_litres_use_kilograms_per_litre() -> None:
    result = account(
        reading(
            quantity="fuel_volume",
            unit="L",
            value=2.5,
            gpc_reference="II.5.1",
            accounting=AccountingParameters(energy_carrier="diesel"),
        ),
        BOOK,
    )
    assert result.co2e_mg == int(Decimal("2.5") * Decimal("2.66") * 1_000_000)


def test_district_heating_without_a_plant_factor_is_recorded_unaccounted() -> None:
    result = account(
        reading(accounting=AccountingParameters(energy_carrier="district_heating")), BOOK
    )
    assert result.factor is None and result.co2e_mg is None and result.status == "no_factor"


def test_hours_are_utc_and_scope_follows_the_gpc_reference() -> None:
    local = datetime(2023, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert hour_of(local) == datetime(2023, 4, 30, 22, 0, tzinfo=UTC)
    assert [scope_of(r) for r in ("I.1.1", "I.2.2", "II.1.3", "I.4.4")] == [1, 2, 3, 1]


def _factor(**overrides: object) -> EmissionFactor:
    base: dict[str, object] = dict(
        id="f",
        version=1,
        name="test factor",
        activity="electricity_grid",
        gpc_references=["I.1.2"],
        activity_unit="kWh",
        gas="CO2e",
        value=Decimal("15"),
        mass_unit="g",
        gwp_set="AR5",
        region="NO",
        valid_from_year=2019,
        source="test",
        is_current=True,
        created_at=datetime.now(UTC),
    )
    base.update(overrides)
    return EmissionFactor(**base)


def test_a_sensor_without_a_zone_takes_its_citys_zone_factor() -> None:
    zone = _factor(id="no1-grid", region="NO1", value=Decimal("12"))
    book = FactorBook.of([*reference_factors(), zone])
    no_zone = reading(accounting=AccountingParameters(energy_carrier="electricity"))
    result = account(no_zone, book, city_bidding_zone="NO1")
    assert result.factor is not None and result.factor.id == "no1-grid"
    assert result.bidding_zone == "NO1"
    assert account(no_zone, book, city_bidding_zone="NO2").factor.id == "no-grid-location-2023"  # type: ignore[union-attr]


def test_the_factor_year_is_the_local_year_of_the_readings_hour() -> None:
    # 00:30 on New Year's Day in Oslo is still 2022 in UTC, but 2023 in the city's calendar:
    # the 2023 factor; the bucket stays the UTC hour.
    oslo_new_year = datetime(2023, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    result = account(reading(time=oslo_new_year), BOOK)
    assert result.factor is not None and result.factor.valid_from_year == 2023
    assert result.hour == datetime(2022, 12, 31, 23, tzinfo=UTC)
    # A city that keeps UTC's calendar books the same instant in 2022.
    in_utc = account(reading(time=oslo_new_year), BOOK, time_zone="UTC")
    assert in_utc.factor is not None and in_utc.factor.valid_from_year == 2022
    # 23:30 on New Year's Eve in Oslo stays in 2022.
    oslo_eve = datetime(2022, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    eve = account(reading(time=oslo_eve), BOOK)
    assert eve.factor is not None and eve.factor.valid_from_year == 2022


def test_one_accountant_keeps_each_citys_year_for_readings_of_the_same_hour() -> None:
    # One batch, one accountant: the same UTC hour is 2023 in Oslo and still 2022 in a city on
    # UTC's calendar, whichever of the two comes first (the accountant remembers hours).
    instant = datetime(2022, 12, 31, 23, 30, tzinfo=UTC)
    for zones in (["Europe/Oslo", "UTC"], ["UTC", "Europe/Oslo"]):
        accountant = Accountant(BOOK)
        results = {tz: accountant.account(reading(time=instant), "NO1", tz) for tz in zones}
        oslo, utc = results["Europe/Oslo"], results["UTC"]
        assert oslo.factor is not None and oslo.factor.valid_from_year == 2023
        assert utc.factor is not None and utc.factor.valid_from_year == 2022
        assert (oslo.parts[0].local_year, utc.parts[0].local_year) == (2023, 2022)
        assert oslo.hour == utc.hour == datetime(2022, 12, 31, 23, tzinfo=UTC)


def test_an_interval_is_spread_over_its_hours_by_duration_exactly() -> None:
    start = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    halves = account(reading(time=start, interval_end=start + timedelta(hours=1), value=10), BOOK)
    assert [p.hour.hour for p in halves.parts] == [7, 8]
    assert [p.activity_value for p in halves.parts] == [Decimal(5), Decimal(5)]
    assert halves.parts[0].co2e_mg == halves.parts[1].co2e_mg
    # A third of 7 kWh does not divide: the parts still sum to the whole, to the mg, and the
    # whole is what the unspread reading weighs.
    thirds = account(reading(time=start, interval_end=start + timedelta(hours=3), value=7), BOOK)
    whole = account(reading(time=start, value=7), BOOK)
    assert len(thirds.parts) == 4  # 07:30-08, 08-09, 09-10, 10-10:30
    assert sum(p.activity_value for p in thirds.parts) == Decimal(7)
    assert sum(p.co2e_mg or 0 for p in thirds.parts) == thirds.co2e_mg == whole.co2e_mg
    assert split_mg(10, [Decimal(1)] * 3) == [3, 3, 4]  # the remainder to the last part


def test_an_interval_over_new_year_splits_by_local_year_with_each_years_factor() -> None:
    oslo = timezone(timedelta(hours=1))
    start = datetime(2022, 12, 31, 23, 0, tzinfo=oslo)
    result = account(reading(time=start, interval_end=start + timedelta(hours=2), value=10), BOOK)
    years = [(p.local_year, p.factor.valid_from_year if p.factor else None) for p in result.parts]
    assert years == [(2022, 2022), (2023, 2023)]
    expected = [
        emissions_mg(Activity("electricity_grid", Decimal(5), "kWh"), p.factor)  # type: ignore[arg-type]
        for p in result.parts
    ]
    assert [p.co2e_mg for p in result.parts] == expected
    assert result.co2e_mg == sum(expected)


def test_activity_is_converted_to_the_factors_unit_and_gases_weighed_by_gwp() -> None:
    kwh = Activity("electricity_grid", Decimal("2500"), "kWh")
    per_mwh = _factor(activity_unit="MWh", value=Decimal("15000"))
    assert emissions_mg(kwh, per_mwh) == emissions_mg(kwh, _factor()) == 2500 * 15 * 1000
    methane = _factor(gas="CH4", value=Decimal("0.01"), gwp_set="AR6")
    assert emissions_mg(kwh, methane) == int(
        Decimal("2500") * Decimal("0.01") * 1000 * Decimal("29.8")
    )
    nitrous = _factor(gas="N2O", value=Decimal("0.002"), gwp_set=None)  # AR5 when none is named
    assert emissions_mg(kwh, nitrous) == 2500 * 2 * 265


def test_a_factor_that_cannot_weigh_the_activity_leaves_the_reading_waiting() -> None:
    per_tonne = _factor(id="odd", activity_unit="t", region="oslo")
    result = account(reading(), FactorBook.of([per_tonne]))
    assert result.status == "no_factor" and result.co2e_mg is None


def test_amounts_round_half_even_to_whole_milligrams() -> None:
    half = Activity("electricity_grid", Decimal("0.0005"), "kWh")  # 0.5 mg at 1 g/kWh
    one_and_half = Activity("electricity_grid", Decimal("0.0015"), "kWh")
    assert emissions_mg(half, _factor(value=Decimal(1))) == 0
    assert emissions_mg(one_and_half, _factor(value=Decimal(1))) == 2


def test_a_sectors_trajectory_is_linear_rounded_once_and_flat_after_its_year() -> None:
    plan = SectorPlan("II", 1_000_000_001, 2020, 2030, Decimal("95"))
    assert plan.at(2019) is None
    assert plan.at(2020) == 1_000_000_001
    # Half way between 1_000_000_001 and 50_000_000.05 is 525_000_000.525: one rounding.
    assert plan.at(2025) == 525_000_001
    assert plan.at(2030) == plan.at(2045) == plan.final_mg == 50_000_000


def test_a_zone_factor_from_a_later_year_does_not_hide_the_national_one() -> None:
    from services.inventory.seed import reference_factors as ref

    zone_2023 = ref()[3].model_copy(update={"id": "no1-grid-2023", "region": "NO1"})
    book = FactorBook.of([*reference_factors(), zone_2023])
    r2022 = account(reading(time=datetime(2022, 6, 1, tzinfo=UTC)), book)
    assert r2022.factor is not None and r2022.factor.id == "no-grid-location-2022"
    r2024 = account(reading(time=datetime(2024, 6, 1, tzinfo=UTC)), book)
    assert r2024.factor is not None and r2024.factor.id == "no1-grid-2023"
