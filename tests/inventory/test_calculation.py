"""Reading → activity → emissions, on the reference factors (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from services.inventory.accounting.calculation import account, hour_of, scope_of
from services.inventory.factors.service import FactorBook
from services.inventory.seed import reference_factors
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
