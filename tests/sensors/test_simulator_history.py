"""The simulated gateway's history (no service): which days it backfills, and that this
year's readings are last year's scaled by each sensor's stated trend."""

from __future__ import annotations

from datetime import UTC, datetime

from services.sensors.simulator import SimulatedSensor, history_days, history_readings


def test_the_judged_years_complete_months_and_the_same_months_of_the_year_before() -> None:
    days = history_days(datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert (days[0].year, days[0].month, days[0].day) == (2025, 1, 1)
    assert (days[-1].year, days[-1].month, days[-1].day) == (2026, 11, 30)
    assert len(days) == 2 * 334 and not any(d.month == 12 for d in days)
    assert all(d.hour == 0 for d in days)  # local midnights, over the DST changes too
    # During January the year before is judged: all of it, and all of the one before that.
    january = history_days(datetime(2027, 1, 20, tzinfo=UTC))
    assert (january[0].year, january[-1].year, len(january)) == (2025, 2026, 365 + 365)


def test_this_years_days_are_last_years_times_the_trend() -> None:
    meter = SimulatedSensor("gw.kommunale-bygg", "energy_meter", 2_500.0, trend=0.94)
    days = history_days(datetime(2026, 12, 3, 9, tzinfo=UTC))
    readings = history_readings([meter], days, 2026)
    assert readings == history_readings([meter], days, 2026)  # deterministic: same ids again
    by_day = {str(r["from"])[:10]: float(r["value"]) for r in readings}  # type: ignore[arg-type]
    first = readings[0]
    assert first["unit"] == "kWh" and first["sensor_id"] == "gw.kommunale-bygg"
    assert (
        first["from"] == "2024-12-31T23:00:00+00:00" and first["to"] == "2025-01-01T23:00:00+00:00"
    )
    last_year, this_year = by_day["2025-03-14"], by_day["2026-03-14"]
    assert abs(this_year - 0.94 * last_year) < 0.001
