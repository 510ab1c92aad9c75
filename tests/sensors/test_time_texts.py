"""A reading's time texts (its id's UTC text, its event's RFC 3339 text) are looked up, not
written, for times in UTC; whatever the offset, they are the texts ``isoformat`` and pydantic
write, and one instant with two offsets never shares a text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from services.sensors.readings.events import rfc3339, utc_text

AWARE = TypeAdapter(datetime)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(0)), timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]
)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)), OFFSETS)
def test_time_texts_are_isoformat_and_pydantic_texts(naive: datetime, tz: timezone) -> None:
    moment = naive.replace(tzinfo=tz)
    for _ in range(2):  # written, then looked up
        assert utc_text(moment) == moment.astimezone(UTC).isoformat()
        assert rfc3339(moment) == AWARE.dump_python(moment, mode="json")


def test_one_instant_with_two_offsets_keeps_two_texts() -> None:
    utc = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    plus_two = utc.astimezone(timezone(timedelta(hours=2)))
    assert utc == plus_two and hash(utc) == hash(plus_two)
    assert (rfc3339(utc), rfc3339(plus_two)) == (
        "2026-03-01T12:00:00Z",
        "2026-03-01T14:00:00+02:00",
    )
    assert utc_text(plus_two) == utc_text(utc) == "2026-03-01T12:00:00+00:00"
