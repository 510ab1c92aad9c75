"""The inventory's fast decoding of ``reading.accepted`` records (msgspec) against the general
decoding (the pydantic envelope, then the catalogue's payload model): where the fast one
accepts a record, the general one accepts it with the same values; what the fast one declines
goes to the general one, which accepts, coerces or skips it as it always did."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.inventory.accounting.decoding import RecordReading, decode_reading
from shared.events.envelope import decode_event, encode_event, new_event, request_id_of
from shared.events.payloads import AccountingParameters, ReadingAccepted
from shared.messaging.consumer import DecodedRecord

NOW = datetime(2026, 11, 23, 9, 30, 15, 250000, tzinfo=UTC)
FIELDS = (
    "sensor_id",
    "gateway_id",
    "city",
    "kind",
    "quantity",
    "value",
    "unit",
    "time",
    "interval_end",
    "gpc_reference",
    "received_at",
    "flags",
)
ACCOUNTING_FIELDS = tuple(AccountingParameters.model_fields)


def payload(**overrides: Any) -> ReadingAccepted:
    base: dict[str, Any] = dict(
        reading_id=uuid.uuid4(),
        sensor_id="gw-1.m1",
        gateway_id="gw-1",
        city="oslo",
        kind="energy_meter",
        quantity="energy",
        value=12.5,
        unit="kWh",
        time=NOW - timedelta(minutes=15),
        gpc_reference="I.1.2",
        accounting=AccountingParameters(energy_carrier="electricity", bidding_zone="NO1"),
        received_at=NOW,
    )
    base.update(overrides)
    return ReadingAccepted.model_validate(base)


def record(p: ReadingAccepted, request_id: str | None = "req-1") -> bytes:
    return encode_event(new_event(p, source="/klimaby/sensors", request_id=request_id))


def general(value: bytes) -> tuple[Any, ReadingAccepted] | None:
    """The general decoding, as the consumer runs it; None where it skips the record."""
    try:
        envelope = decode_event(value)
        typed = envelope.payload()
    except (ValidationError, ValueError, TypeError):
        return None
    assert isinstance(typed, ReadingAccepted)
    return envelope, typed


def assert_same(fast: DecodedRecord, value: bytes) -> None:
    decoded = general(value)
    assert decoded is not None, "the fast decoding accepted a record the general one skips"
    envelope, typed = decoded
    assert (fast.event_id, fast.event_type) == (envelope.id, envelope.type)
    assert fast.request_id == request_id_of(envelope)
    reading = fast.payload
    assert isinstance(reading, RecordReading)
    assert reading.reading_id == str(typed.reading_id)
    for name in FIELDS:
        ours, theirs = getattr(reading, name), getattr(typed, name)
        assert ours == theirs, name
        if isinstance(ours, datetime):
            assert ours.utcoffset() == theirs.utcoffset(), name
    for name in ACCOUNTING_FIELDS:
        assert getattr(reading.accounting, name) == getattr(typed.accounting, name), name


@pytest.mark.parametrize(
    "p",
    [
        payload(),
        payload(value=0.0, time=datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=1)))),
        payload(interval_end=NOW, flags=["reset", "gap"]),
        payload(value=1e-9, time=datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)),
        payload(
            kind="traffic_counter",
            quantity="vehicle_count",
            unit="{vehicle}",
            gpc_reference="II.1.1",
            accounting=AccountingParameters(road_segment_km=1.5, vehicle_class="bus"),
        ),
        payload(
            quantity="fuel_volume",
            unit="L",
            accounting=AccountingParameters(
                energy_carrier="diesel", coverage_group="depot-1.a_b", coverage_share=0.25
            ),
        ),
    ],
)
def test_a_valid_record_decodes_to_the_same_reading(p: ReadingAccepted) -> None:
    value = record(p)
    fast = decode_reading(value)
    assert fast is not None
    assert_same(fast, value)


def test_the_request_id_is_optional() -> None:
    fast = decode_reading(record(payload(), request_id=None))
    assert fast is not None and fast.request_id is None


def mutated(path: tuple[str, ...], new: Any, *, remove: bool = False) -> bytes:
    event = json.loads(record(payload(interval_end=NOW)))
    node = event
    for name in path[:-1]:
        node = node[name]
    if remove:
        del node[path[-1]]
    else:
        node[path[-1]] = new
    return json.dumps(event).encode()


MUTATIONS: list[tuple[tuple[str, ...], Any]] = [
    (("type",), "no.klimaby.reading.rejected"),
    (("specversion",), "0.3"),
    (("id",), ""),
    (("time",), "2026-11-23T09:30:00"),
    (("requestid",), 17),
    (("requestid",), ""),
    (("an_extension",), "kept"),
    (("data", "reading_id"), "0F4AF12A-304F-415C-9647-9FC26C64951B"),
    (("data", "reading_id"), "0f4af12a304f415c96479fc26c64951b"),
    (("data", "reading_id"), "0f4af12a-304f-415c-9647-9fc26c64951b\n"),
    (("data", "reading_id"), "not a uuid"),
    (("data", "value"), -1.0),
    (("data", "value"), "12.5"),
    (("data", "value"), 3),
    (("data", "value"), True),
    (("data", "value"), None),
    (("data", "kind"), "weather_station"),
    (("data", "quantity"), "power"),
    (("data", "sensor_id"), 5),
    (("data", "time"), "2026-11-23T09:30:00"),
    (("data", "time"), "2026-11-23T09:30:00.1234567Z"),
    (("data", "time"), "2026-11-23T09:30:00.123456789+01:00"),
    (("data", "time"), "2026-11-23 09:30:00+01:00"),
    (("data", "time"), "2026-11-23T09:30Z"),
    (("data", "time"), "2026-11-23T09:30:00,5Z"),
    (("data", "time"), 1700000000),
    (("data", "interval_end"), "2026-11-23T25:00:00Z"),
    (("data", "received_at"), "2026-11-23T09:30:00.9999999Z"),
    (("data", "flags"), ["reset", "late"]),
    (("data", "flags"), None),
    (("data", "unexpected"), 1),
    (("data", "accounting", "unexpected"), 1),
    (("data", "accounting", "bidding_zone"), "SE3"),
    (("data", "accounting", "road_segment_km"), 0),
    (("data", "accounting", "coverage_share"), 1.5),
    (("data", "accounting", "coverage_share"), 0),
    (("data", "accounting", "coverage_group"), "depot 1"),
    (("data", "accounting", "coverage_group"), "depot\n"),
    (("data", "accounting", "coverage_group"), "d" * 65),
    (("data", "accounting"), None),
    (("data",), {"reading_id": "x"}),
    (("data",), []),
]


@pytest.mark.parametrize(("path", "new"), MUTATIONS)
def test_a_mutated_record_is_accepted_only_as_the_general_decoding_accepts_it(
    path: tuple[str, ...], new: Any
) -> None:
    value = mutated(path, new)
    fast = decode_reading(value)
    if fast is not None:
        assert_same(fast, value)


@pytest.mark.parametrize(
    "path",
    [
        ("data", "interval_end"),
        ("data", "flags"),
        ("data", "accounting", "energy_carrier"),
        ("source",),
        ("datacontenttype",),
        ("data", "time"),
        ("data", "city"),
        ("time",),
        ("id",),
    ],
)
def test_a_record_missing_a_field_is_accepted_only_as_the_general_decoding_accepts_it(
    path: tuple[str, ...],
) -> None:
    value = mutated(path, None, remove=True)
    fast = decode_reading(value)
    if fast is not None:
        assert_same(fast, value)
    elif path in {("data", "interval_end"), ("data", "flags"), ("datacontenttype",)}:
        pytest.fail("an optional field's absence should not need the general decoding")


def test_times_finer_than_a_microsecond_are_left_to_the_general_decoding() -> None:
    # msgspec rounds them to the microsecond where pydantic truncates: the values would differ.
    value = mutated(("data", "time"), "2026-11-23T09:30:00.9999996Z")
    assert decode_reading(value) is None
    decoded = general(value)
    assert decoded is not None and decoded[1].time.microsecond == 999999


def test_records_that_are_not_json_are_left_to_the_general_decoding() -> None:
    assert decode_reading(b"not json") is None
    assert decode_reading(b"") is None
    assert decode_reading(b'{"type":"no.klimaby.reading.accepted"') is None
