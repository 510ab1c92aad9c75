"""Decoding a ``reading.accepted`` record once, straight into the typed reading the accounting
reads.

The general path validates the CloudEvent envelope with pydantic, then validates its ``data``
again against ``ReadingAccepted``: about 15 µs per record, a fifth of the inventory's CPU per
reading (docs/performance.md). Here msgspec reads the record's bytes into ``AcceptedRecord``
(envelope and reading together) in one pass, with the same constraints as the pydantic models,
in about 3 µs.

It accepts only what the pydantic models accept, with the same values: anything else (another
event type, a lenient spelling pydantic would coerce, an invalid reading) returns None, and the
consumer hands the record to the general decoding, which accepts, coerces or skips it exactly
as before. One known difference is caught before decoding: a time with more than 6 fractional
digits, which msgspec rounds to the microsecond and pydantic truncates.
``tests/inventory/test_reading_decoding.py`` compares the two on valid and mutated records.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from shared.events.payloads import ReadingAccepted
from shared.messaging.consumer import DecodedRecord

# msgspec's patterns are Python regular expressions, where ``$`` also matches before a final
# newline; pydantic's end at the end of the text, as ``\Z`` does.
UUID_TEXT = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
"""A reading id in the canonical form ``str(uuid.UUID(...))`` gives (others go the general way)."""
AwareTime = Annotated[datetime, msgspec.Meta(tz=True)]
# The seconds of a time (00-59: msgspec refuses a leap second, which then goes the general way)
# and at least 7 fractional digits. The tens digit is a class of its own: the record's other
# colons (every key's, about thirty) then fail at their first character, which halved the
# search's cost (1.17 -> 0.71 µs per 700-byte record, docs/performance.md).
_SUB_MICROSECOND = re.compile(rb":[0-5]\d\.\d{7}")


class RecordAccounting(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``AccountingParameters``."""

    energy_carrier: (
        Literal["electricity", "district_heating", "diesel", "petrol", "heating_oil", "natural_gas"]
        | None
    ) = None
    bidding_zone: Literal["NO1", "NO2", "NO3", "NO4", "NO5"] | None = None
    road_segment_km: Annotated[float, msgspec.Meta(gt=0)] | None = None
    vehicle_class: Literal["car", "van", "bus"] | None = None
    coverage_group: (
        Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[A-Za-z0-9._-]+\Z")] | None
    ) = None
    coverage_share: Annotated[float, msgspec.Meta(gt=0, le=1)] | None = None


class RecordReading(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``ReadingAccepted``, with the same field names, so the accounting reads either."""

    reading_id: Annotated[str, msgspec.Meta(min_length=36, max_length=36, pattern=UUID_TEXT)]
    sensor_id: str
    gateway_id: str
    city: str
    kind: Literal["energy_meter", "traffic_counter"]
    quantity: Literal["energy", "vehicle_count", "fuel_volume"]
    value: Annotated[float, msgspec.Meta(ge=0)]
    unit: str
    time: AwareTime
    interval_end: AwareTime | None = None
    gpc_reference: str
    accounting: RecordAccounting
    received_at: AwareTime
    flags: list[Literal["reset", "gap"]] = msgspec.field(default_factory=list)


class AcceptedRecord(msgspec.Struct, kw_only=True):
    """The CloudEvent of one accepted reading. Other attributes (extensions) are allowed, as
    the envelope model allows them; the request id is the one read."""

    specversion: Literal["1.0"] = "1.0"
    id: Annotated[str, msgspec.Meta(min_length=1)]
    source: Annotated[str, msgspec.Meta(min_length=1)]
    type: Literal["no.klimaby.reading.accepted"]
    time: AwareTime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: RecordReading
    requestid: str | None = None


_DECODER = msgspec.json.Decoder(AcceptedRecord)


def decode_reading(value: bytes) -> DecodedRecord | None:
    """The record's event id, type, request id and reading; None for the general decoding."""
    if _SUB_MICROSECOND.search(value):
        return None
    try:
        event = _DECODER.decode(value)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return DecodedRecord(event.id, event.type, event.requestid or None, event.data)


AcceptedReading = ReadingAccepted | RecordReading
"""A reading the accounting takes: decoded here, or the pydantic payload (tests, other paths)."""
