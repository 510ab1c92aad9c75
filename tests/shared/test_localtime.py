"""The local calendar's shortcut for UTC instants (years and months without a zone lookup away
from the ends of the UTC month) gives what converting to the zone gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.localtime import local_month, local_year, zone

# The extremes of the offsets in use (+14, -12, -11, quarter hours) and the cities' own.
ZONES = [
    "Europe/Oslo",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "Pacific/Pago_Pago",
    "Asia/Kathmandu",
    "America/St_Johns",
    "UTC",
]
INSTANTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(INSTANTS, st.sampled_from(ZONES))
def test_year_and_month_of_a_utc_instant_are_the_zones(instant: datetime, tz: str) -> None:
    local = instant.astimezone(zone(tz))
    assert local_year(instant, tz) == local.year
    assert local_month(instant, tz) == (local.year, local.month)


def test_every_hour_around_the_turn_of_the_year() -> None:
    hour = datetime(2026, 12, 29, tzinfo=UTC)
    while hour < datetime(2027, 1, 4, tzinfo=UTC):
        for tz in ZONES:
            local = hour.astimezone(zone(tz))
            assert (local_year(hour, tz), local_month(hour, tz)) == (
                local.year,
                (local.year, local.month),
            )
        hour += timedelta(minutes=15)


def test_an_instant_in_another_offset_is_converted() -> None:
    # 00:30 on 1 February at +02:00 is 23:30 on 31 January in Oslo: no shortcut for it.
    instant = datetime(2027, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert local_month(instant, "Europe/Oslo") == (2027, 1)
    assert local_month(instant.astimezone(UTC), "Europe/Oslo") == (2027, 1)
