"""The compiled decoder of our JSON batches (msgspec) is a shortcut only: whatever it accepts
must read to exactly the items the general path (``json.loads`` and the pydantic ReadingIn)
reads, and everything else must be left to the general path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.sensors.readings.formats import (
    Item,
    Parsed,
    Rejection,
    batch_items,
    decode_readings,
    parse_items,
    raw_item,
)
from services.sensors.readings.schemas import JSON, MAX_BATCH

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TIMES = [
    "2025-06-01T10:00:00Z",
    "2025-06-01t10:00:00z",
    "2025-06-01 10:00:00+02:00",
    "2025-06-01T10:00:00.123456-05:30",
    "2025-06-01T10:00:00.1234567Z",  # finer than microseconds: truncated by pydantic
    "2025-06-01T10:00:00,5Z",
    "2025-06-01T10:00Z",
    "2025-06-01T10:00:00",  # naive
    "2025-06-01",
    "1750000000",
    "2025-02-30T10:00:00Z",
    "",
]
TEXTS = ["gw.meter-1", "kWh", "MWh", "", "x" * 17, "x" * 201, "a\x00b", "ø😀", "\ud83d\ude00"]
VALUES: list[Any] = [0, 1, 1.5, -0.0, -1, 1e308, 10**30, True, None, "1", float("nan")]


def mostly(valid: list[Any], anything: list[Any]) -> st.SearchStrategy[Any]:
    """Valid half of the time, so that many batches get past both parsers."""
    return st.sampled_from(valid) | st.sampled_from(anything)


def item_strategy() -> st.SearchStrategy[dict[str, Any]]:
    times = TIMES[:6]
    required = {
        "sensor_id": mostly(["gw.meter-1", "ø😀"], TEXTS),
        "value": mostly([0, 1, 1.5, 2.0000001, 10**30], VALUES),
        "unit": mostly(["kWh", "MWh"], TEXTS),
        "time": mostly(times, [*TIMES, None, 5]),
    }
    optional = {
        "from": st.sampled_from([*TIMES, None]),
        "to": st.sampled_from([*TIMES, None]),
        "start": st.sampled_from(TIMES),
        "reading_id": st.sampled_from([*TEXTS, None]),
        "extra": st.just(1),
    }
    return st.fixed_dictionaries(required, optional=optional)


def general(body: bytes) -> list[Parsed]:
    return parse_items(batch_items(json.loads(body), JSON), JSON, NOW)


def same(fast: Parsed, slow: Parsed) -> bool:
    if isinstance(fast, Rejection) or isinstance(slow, Rejection):
        return (
            isinstance(fast, Rejection)
            and isinstance(slow, Rejection)
            and (fast.index, fast.params, fast.status) == (slow.index, slow.params, slow.status)
        )
    assert isinstance(fast, Item) and isinstance(slow, Item)
    fields = ("index", "sensor_ref", "value", "unit", "client_id", "base", "renamed")
    times = ("time", "start", "end")
    return all(getattr(fast, f) == getattr(slow, f) for f in fields) and all(
        (getattr(fast, t) is None and getattr(slow, t) is None)
        or (getattr(fast, t).isoformat() == getattr(slow, t).isoformat())
        for t in times
    )


@settings(max_examples=1500, deadline=None)
@given(st.lists(item_strategy(), min_size=1, max_size=4))
def test_what_the_decoder_accepts_reads_as_the_general_path_reads_it(
    items: list[dict[str, Any]],
) -> None:
    body = json.dumps({"readings": items}).encode()
    fast = decode_readings(body)
    if fast is None:
        return  # the general path answers it
    slow = general(body)
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow, strict=True):
        assert same(f, s), (f, s)
        assert raw_item(f) == json.loads(body)["readings"][f.index]


def test_a_batch_of_valid_readings_takes_the_decoder() -> None:
    items = [
        {"sensor_id": f"gw.m{i}", "time": "2025-06-01T10:00:00Z", "value": i, "unit": "kWh"}
        for i in range(MAX_BATCH)
    ]
    body = json.dumps({"readings": items, "gateway_note": {"any": ["thing"]}}).encode()
    fast = decode_readings(body)
    assert fast is not None and len(fast) == MAX_BATCH
    assert all(same(f, s) for f, s in zip(fast, general(body), strict=True))


def test_anything_else_is_left_to_the_general_path() -> None:
    ok = {"sensor_id": "gw.m", "time": "2025-06-01T10:00:00Z", "value": 1, "unit": "kWh"}
    for document in (
        {"readings": []},
        {"readings": [ok] * (MAX_BATCH + 1)},
        [ok],
        {"readings": [ok, {**ok, "value": -1}]},
        {"readings": [{**ok, "sensor_id": "a\x00"}]},
        {"readings": [{**ok, "time": "2025-06-01T10:00:00.1234567Z"}]},
        {"readings": [{**ok, "start": "2025-06-01T10:00:00Z"}]},  # pydantic's other name
    ):
        assert decode_readings(json.dumps(document).encode()) is None, document
    assert decode_readings(b'{"readings": [' + json.dumps(ok).encode() + b"]} x") is None
    assert decode_readings(b'{"readings": [{"sensor_id": "\xed\xa0\x80"}]}') is None
