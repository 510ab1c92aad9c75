"""What a batch leaves behind, checked against plain reference computations: every reading id
is ``uuid.uuid5`` of its name, every published record decodes to the typed event, a sensor's
records keep the batch's order, accepted ids are recorded once, and the reading-lag histogram
counts each accepted reading in its bucket once. The ingest path computes all of this in bulk
(cached time texts, one statement for the accepted ids, the histogram's buckets added per
batch); these are the answers it must keep giving, on both databases, on the compiled path (a
valid batch) and on the general one (a batch with an invalid item)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.sensors.readings.models import AcceptedReading
from services.sensors.readings.service import LAG, READING_NAMESPACE
from shared.events.envelope import decode_event, new_event
from shared.events.payloads import AccountingParameters, ReadingAccepted
from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, register_gateway_with_sensors

PLUS_TWO = timezone(timedelta(hours=2))


def lag_buckets() -> dict[str, float]:
    """The histogram's cumulative bucket counts, its count and its sum, by sample name."""
    out: dict[str, float] = {}
    for metric in LAG.collect():
        for s in metric.samples:
            out[f"{s.name}{s.labels.get('le', '')}"] = s.value
    return out


def reference_id(sensor_id: str, item: dict[str, Any]) -> str:
    """The reading id as the docstring of ``reading_id_for`` defines it, with the uuid module."""
    if "reading_id" in item:
        name = f"{sensor_id}|client|{item['reading_id']}"
    elif "time" in item:
        at = datetime.fromisoformat(item["time"]).astimezone(UTC)
        name = f"{sensor_id}|{at.isoformat()}|energy"
    else:
        start = datetime.fromisoformat(item["from"]).astimezone(UTC)
        end = datetime.fromisoformat(item["to"]).astimezone(UTC)
        name = f"{sensor_id}|{start.isoformat()}/{end.isoformat()}|energy"
    return str(uuid.uuid5(READING_NAMESPACE, name))


def batch(meter: str, other: str, t: datetime) -> list[dict[str, Any]]:
    z = t.isoformat().replace("+00:00", "Z")
    items: list[dict[str, Any]] = []
    for i in range(40):
        at = t + timedelta(minutes=i)
        # The same instants written as Z, +00:00 and +02:00 (the id is of the UTC time).
        text = [at.isoformat(), at.isoformat().replace("+00:00", "Z"), at.astimezone(PLUS_TWO)]
        items.append(
            {"sensor_id": meter if i % 3 else other, "time": str(text[i % 3]), "value": 0.5 + i}
        )
    for item in items:
        item["unit"] = "kWh"
    items += [
        {"sensor_id": meter, "time": z, "value": 2.0, "unit": "Wh"},  # converted
        {"sensor_id": meter, "time": z, "value": 2.0, "unit": "kWh"},  # same id: duplicate
        {
            "sensor_id": other,
            "time": (t + timedelta(minutes=1)).astimezone(PLUS_TWO).isoformat(),
            "value": 9.0,
            "unit": "kWh",
        },  # the same instant as item 1 on another sensor: its own id
        {"sensor_id": meter, "time": z, "value": 3.0, "unit": "kWh", "reading_id": "own-1"},
        {
            "sensor_id": other,
            "from": (t - timedelta(hours=2)).isoformat(),
            "to": (t - timedelta(hours=1)).astimezone(PLUS_TWO).isoformat(),
            "value": 4.25,
            "unit": "kWh",
        },
        {"sensor_id": meter, "time": (t - timedelta(days=3)).isoformat(), "value": 1.0},
    ]
    items[-1]["unit"] = "kWh"
    return items


async def post_capturing(
    app: FastAPI, client: Any, key: str, items: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[tuple[bytes, bytes]], dict[str, float], dict[str, float]]:
    publisher = app.state.ingestion.publisher
    published: list[tuple[bytes, bytes]] = []
    original = publisher.publish

    async def capture(readings: Sequence[tuple[bytes, bytes]]) -> None:
        published.extend(readings)
        await original(readings)

    publisher.publish = capture
    before = lag_buckets()
    try:
        r = await client.post(
            "/v1/readings", json={"readings": list(items)}, headers={"X-Api-Key": key}
        )
    finally:
        del publisher.publish
    assert r.status_code in (202, 207), r.text[:500]
    return r.json(), published, before, lag_buckets()


def typed_record(sensor_id: str, gateway_id: str, city: str, event: Any) -> ReadingAccepted:
    data = event.data
    return ReadingAccepted(
        reading_id=uuid.UUID(data["reading_id"]),
        sensor_id=sensor_id,
        gateway_id=gateway_id,
        city=city,
        kind="energy_meter",
        quantity="energy",
        value=data["value"],
        unit="kWh",
        time=datetime.fromisoformat(data["time"]),
        interval_end=datetime.fromisoformat(data["interval_end"]) if data["interval_end"] else None,
        gpc_reference="I.1.2",
        accounting=AccountingParameters(energy_carrier="electricity"),
        received_at=datetime.fromisoformat(data["received_at"]),
    )


@pytest.mark.parametrize("general_path", [False, True], ids=["compiled", "general"])
async def test_a_batch_leaves_the_reference_ids_records_rows_and_lag_counts(
    service_client: ServiceClientFactory, admin_token: str, city: str, general_path: bool
) -> None:
    async with service_client("sensors") as (app, client):
        gateway, key, (meter, other) = await register_gateway_with_sensors(
            client, admin_token, city, [ELECTRICITY_METER, ELECTRICITY_METER]
        )
        t = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
        items = batch(meter, other, t)
        if general_path:
            # An invalid item sends the whole batch down the general (pydantic) path.
            items.append({"sensor_id": meter, "time": t.isoformat(), "value": -1, "unit": "kWh"})
        answer, published, before, after = await post_capturing(app, client, key, items)

        results = answer["results"]
        assert [r["index"] for r in results] == list(range(len(items)))
        seen: set[str] = set()
        accepted_ids: list[str] = []
        for item, result in zip(items, results, strict=True):
            if item["value"] < 0:
                assert result["status"] == "rejected"
                continue
            rid = reference_id(item["sensor_id"], item)
            assert result["reading_id"] == rid
            assert result["status"] == ("duplicate" if rid in seen else "accepted"), item
            if rid not in seen:
                accepted_ids.append(rid)
            seen.add(rid)
        assert answer["accepted"] == len(accepted_ids)
        assert answer["duplicates"] == len(items) - len(accepted_ids) - answer["rejected"]

        # One record per accepted reading, in the batch's order (so per sensor too), each
        # the typed event.
        events = [decode_event(value) for _key, value in published]
        assert [e.id for e in events] == accepted_ids
        assert [k.decode() for k, _v in published] == [e.subject for e in events]
        received = {e.data["received_at"] for e in events}
        assert len(received) == 1
        now = datetime.fromisoformat(received.pop())
        by_id: dict[str, dict[str, Any]] = {}
        for i in items:  # a reading's first item is the accepted one
            if i["value"] >= 0:
                by_id.setdefault(reference_id(i["sensor_id"], i), i)
        lags = []
        for (k, _value), event in zip(published, events, strict=True):
            sensor_id = k.decode()
            payload = typed_record(sensor_id, gateway, city, event)
            model = new_event(
                payload,
                source=event.source,
                subject=sensor_id,
                event_id=event.id,
                time=now,
                request_id=getattr(event, "requestid", None),
            )
            assert event == model
            assert event.payload() == model.payload()
            item = by_id[event.id]
            expected_time = datetime.fromisoformat(item.get("time") or item["from"])
            assert payload.time == expected_time
            # The time as sent keeps its offset in the event (pydantic's text of it).
            assert event.data["time"] == model.payload().model_dump(mode="json")["time"]
            assert event.data["value"] == (0.002 if item["unit"] == "Wh" else item["value"])
            lags.append(max(0.0, (now - (payload.interval_end or payload.time)).total_seconds()))

        # The lag histogram: each accepted reading once, in its bucket.
        count = "klimaby_reading_lag_seconds_count"
        assert after[count] - before.get(count, 0) == len(accepted_ids)
        for name, value in after.items():
            if name.startswith("klimaby_reading_lag_seconds_bucket"):
                bound = float(name.removeprefix("klimaby_reading_lag_seconds_bucket"))
                expected = sum(1 for lag in lags if lag <= bound)
                assert value - before.get(name, 0) == expected, name
        total = "klimaby_reading_lag_seconds_sum"
        assert after[total] - before.get(total, 0) == pytest.approx(sum(lags))

        # Accepted ids recorded once; a repost: every good item a duplicate, nothing published.
        async with app.state.db.transaction() as session:
            rows = await session.execute(
                select(func.count()).where(AcceptedReading.reading_id.in_(accepted_ids))  # type: ignore[attr-defined]
            )
            assert rows.scalar_one() == len(accepted_ids)
        again, republished, _b, _a = await post_capturing(app, client, key, items)
        assert republished == []
        assert again["accepted"] == 0
        assert [r.get("reading_id") for r in again["results"]] == [
            r.get("reading_id") for r in results
        ]
