"""The accepted reading's record, written without models (``events.py``), is the typed event:
decoded as the inventory decodes it, it equals the event built from the pydantic payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.sensors.readings.events import (
    SOURCE,
    AcceptedEvents,
    Candidate,
    SensorFacts,
    uuid5_text,
)
from services.sensors.readings.service import READING_NAMESPACE
from services.sensors.registry.models import Sensor
from shared.events.envelope import decode_event, encode_event, new_event
from shared.events.payloads import AccountingParameters, ReadingAccepted

NOW = datetime(2026, 11, 23, 7, 30, 1, 250000, tzinfo=UTC)


def sensor(**overrides: object) -> Sensor:
    fields: dict[str, object] = {
        "id": "gw_0123456789abcdef.målar-1",
        "external_id": "målar-1",
        "gateway_id": "gw_0123456789abcdef",
        "city": "tromsø",
        "kind": "energy_meter",
        "quantity": "energy",
        "unit": "kWh",
        "gpc_reference": "I.1.2",
        "energy_carrier": "electricity",
        "bidding_zone": "NO4",
        "created_at": NOW,
    }
    fields.update(overrides)
    return Sensor(**fields)


def typed(s: Sensor, c: Candidate) -> bytes:
    payload = ReadingAccepted(
        reading_id=uuid.UUID(c.reading_id),
        sensor_id=s.id,
        gateway_id=s.gateway_id,
        city=s.city,
        kind=s.kind,  # type: ignore[arg-type]
        quantity=s.quantity,  # type: ignore[arg-type]
        value=c.value,
        unit=s.unit,
        time=c.start,
        interval_end=c.end,
        gpc_reference=s.gpc_reference,
        accounting=AccountingParameters(
            energy_carrier=s.energy_carrier,  # type: ignore[arg-type]
            bidding_zone=s.bidding_zone,  # type: ignore[arg-type]
            road_segment_km=s.road_segment_km,
            vehicle_class=s.vehicle_class,  # type: ignore[arg-type]
        ),
        received_at=NOW,
        flags=list(c.flags),  # type: ignore[arg-type]
    )
    event = new_event(payload, source=SOURCE, subject=s.id, event_id=c.reading_id, time=NOW)
    return encode_event(event)


@pytest.mark.parametrize(
    ("value", "start", "end", "flags"),
    [
        (42.5, datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=1))), None, ()),
        (0.0, datetime(2026, 11, 23, 6, 0, 0, 123456, tzinfo=UTC), None, ()),
        (3.0, NOW - timedelta(hours=2), NOW - timedelta(hours=1), ("reset", "gap")),
        (1e-9, NOW - timedelta(minutes=15), NOW, ("gap",)),
    ],
)
def test_the_fast_record_decodes_to_the_typed_event(
    value: float, start: datetime, end: datetime | None, flags: tuple[str, ...]
) -> None:
    s = sensor()
    rid = uuid5_text(READING_NAMESPACE, f"{s.id}|{start.isoformat()}|energy")
    c = Candidate(0, rid, SensorFacts.of(s), value, start, end, flags)
    key, value_bytes = AcceptedEvents(s.gateway_id, NOW).record(c)
    assert key == s.id.encode()
    fast, model = decode_event(value_bytes), decode_event(typed(s, c))
    assert fast == model
    assert fast.payload() == model.payload()


def test_a_traffic_counter_record_carries_its_road_segment() -> None:
    s = sensor(
        kind="traffic_counter",
        quantity="vehicle_count",
        unit="{vehicle}",
        gpc_reference="II.1.1",
        energy_carrier=None,
        bidding_zone=None,
        road_segment_km=1.5,
        vehicle_class="car",
    )
    c = Candidate(3, uuid5_text(READING_NAMESPACE, "x"), SensorFacts.of(s), 17.0, NOW, None)
    _key, value = AcceptedEvents(s.gateway_id, NOW).record(c)
    assert decode_event(value).payload() == decode_event(typed(s, c)).payload()


@pytest.mark.parametrize("name", ["", "a", "gw_1.m|2026-01-01T00:00:00+00:00|energy", "ø" * 300])
def test_reading_ids_are_uuid5(name: str) -> None:
    assert uuid5_text(READING_NAMESPACE, name) == str(uuid.uuid5(READING_NAMESPACE, name))
