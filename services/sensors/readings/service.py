"""Ingestion: validate each reading, publish the new ones, answer per item.

The answer goes out only after the broker has acknowledged every accepted reading and the
record of them has committed. If the broker fails, the transaction rolls back and the gateway
gets 503: nothing is recorded as accepted, so its retry is accepted again, and the inventory's
accounting key absorbs any reading that did reach the broker before the failure.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.gateways.models import Gateway
from services.sensors.readings.models import AcceptedReading
from services.sensors.readings.schemas import BatchResult, ItemResult, ReadingIn, item_problem
from services.sensors.readings.units import to_canonical
from services.sensors.registry.models import Sensor
from services.sensors.registry.repository import SensorRepository
from shared.db import insert_ignoring_conflicts
from shared.events.catalogue import SENSORS_READINGS
from shared.events.envelope import CONTENT_TYPE, encode_event, new_event
from shared.events.payloads import AccountingParameters, ReadingAccepted, ReadingRejected
from shared.messaging.outbox import Outbox
from shared.problems import InvalidParam, ProblemError, pointer

ACCEPTED: Table = AcceptedReading.__table__  # type: ignore[attr-defined]
READING_NAMESPACE = uuid.UUID("6f1c2d4e-8a51-4c1b-9d0e-4b4b1a3c5e7f")
SOURCE = "/klimaby/sensors"
READINGS = Counter("klimaby_readings_total", "Readings by outcome", ["outcome"])


@dataclass(frozen=True)
class IngestLimits:
    future_tolerance: timedelta
    history_horizon: timedelta


def reading_id_for(sensor: Sensor, reading: ReadingIn) -> uuid.UUID:
    """Deterministic: the gateway's own id when it gives one, else sensor + time + quantity.

    The same reading sent twice, in any batch, by any path, gets the same id."""
    if reading.reading_id:
        name = f"{sensor.id}|client|{reading.reading_id}"
    else:
        name = f"{sensor.id}|{reading.time.astimezone(UTC).isoformat()}|{sensor.quantity}"
    return uuid.uuid5(READING_NAMESPACE, name)


def _reject(
    results: list[ItemResult | None], index: int, field: str, reason: str, status: int = 422
) -> None:
    param = InvalidParam(
        name=pointer(("readings", index, field)) if field else pointer(("readings", index)),
        reason=reason,
    )
    results[index] = ItemResult(
        index=index, status="rejected", problem=item_problem(index, [param], status)
    )


async def ingest(
    session: AsyncSession,
    producer: AIOKafkaProducer,
    outbox: Outbox,
    gateway: Gateway,
    items: Sequence[dict[str, Any]],
    limits: IngestLimits,
) -> BatchResult:
    now = datetime.now(UTC)
    results: list[ItemResult | None] = [None] * len(items)
    parsed: list[tuple[int, ReadingIn]] = []
    for index, raw in enumerate(items):
        try:
            parsed.append((index, ReadingIn.model_validate(raw)))
        except ValidationError as exc:
            params = [
                InvalidParam(name=pointer(("readings", index, *err["loc"])), reason=err["msg"])
                for err in exc.errors()
            ]
            results[index] = ItemResult(
                index=index, status="rejected", problem=item_problem(index, params)
            )

    sensors = await SensorRepository(session).many(r.sensor_id for _, r in parsed)
    candidates: dict[str, tuple[int, ReadingAccepted]] = {}
    for index, reading in parsed:
        sensor = sensors.get(reading.sensor_id)
        if sensor is None:
            _reject(results, index, "sensor_id", f"unknown sensor '{reading.sensor_id}'")
            continue
        if sensor.gateway_id != gateway.id:
            _reject(
                results, index, "sensor_id", "this sensor belongs to another gateway", status=403
            )
            continue
        value = to_canonical(reading.value, reading.unit, sensor.unit)
        if value is None:
            _reject(
                results,
                index,
                "unit",
                f"unit '{reading.unit}' is not a unit of {sensor.quantity} "
                f"(this sensor reports {sensor.unit})",
            )
            continue
        if reading.time > now + limits.future_tolerance:
            _reject(results, index, "time", "the reading is stamped in the future")
            continue
        if reading.time < now - limits.history_horizon:
            _reject(
                results,
                index,
                "time",
                f"older than the history horizon of {limits.history_horizon.days} days",
            )
            continue
        reading_id = reading_id_for(sensor, reading)
        key = str(reading_id)
        if key in candidates:
            results[index] = ItemResult(index=index, status="duplicate", reading_id=key)
            continue
        candidates[key] = (
            index,
            ReadingAccepted(
                reading_id=reading_id,
                sensor_id=sensor.id,
                gateway_id=gateway.id,
                city=sensor.city,
                kind=sensor.kind,
                quantity=sensor.quantity,
                value=value,
                unit=sensor.unit,
                time=reading.time,
                gpc_reference=sensor.gpc_reference,
                accounting=AccountingParameters(
                    energy_carrier=sensor.energy_carrier,
                    bidding_zone=sensor.bidding_zone,
                    road_segment_km=sensor.road_segment_km,
                    vehicle_class=sensor.vehicle_class,
                ),
                received_at=now,
            ),
        )

    inserted = await insert_ignoring_conflicts(
        session,
        ACCEPTED,
        [
            {
                "reading_id": key,
                "sensor_id": payload.sensor_id,
                "observed_at": payload.time,
                "received_at": now,
            }
            for key, (_i, payload) in candidates.items()
        ],
        returning=("reading_id",),
    )
    new_ids = {row.reading_id for row in inserted}
    fresh: list[ReadingAccepted] = []
    for key, (index, payload) in candidates.items():
        if key in new_ids:
            results[index] = ItemResult(index=index, status="accepted", reading_id=key)
            fresh.append(payload)
        else:
            results[index] = ItemResult(index=index, status="duplicate", reading_id=key)

    await _audit_rejections(session, outbox, gateway, items, results, now)
    await publish_readings(producer, fresh)

    final = [r for r in results if r is not None]
    summary = BatchResult(
        accepted=sum(r.status == "accepted" for r in final),
        duplicates=sum(r.status == "duplicate" for r in final),
        rejected=sum(r.status == "rejected" for r in final),
        results=final,
    )
    READINGS.labels("accepted").inc(summary.accepted)
    READINGS.labels("duplicate").inc(summary.duplicates)
    READINGS.labels("rejected").inc(summary.rejected)
    return summary


async def publish_readings(producer: AIOKafkaProducer, readings: Sequence[ReadingAccepted]) -> None:
    """Send and wait for every acknowledgement; any failure is a 503 for the whole batch."""
    if not readings:
        return
    try:
        futures = []
        for payload in readings:
            event = new_event(
                payload, source=SOURCE, subject=payload.sensor_id, event_id=str(payload.reading_id)
            )
            futures.append(
                await producer.send(
                    SENSORS_READINGS,
                    value=encode_event(event),
                    key=payload.sensor_id.encode(),
                    headers=[("content-type", CONTENT_TYPE.encode())],
                )
            )
        await asyncio.gather(*futures)
    except KafkaError as exc:
        raise ProblemError(
            503,
            "Service Unavailable",
            f"the event broker did not acknowledge the readings ({type(exc).__name__}); "
            "nothing was accepted, retry later",
            kind="broker-unavailable",
            headers={"Retry-After": "5"},
        ) from exc


async def _audit_rejections(
    session: AsyncSession,
    outbox: Outbox,
    gateway: Gateway,
    items: Sequence[dict[str, Any]],
    results: Sequence[ItemResult | None],
    now: datetime,
) -> None:
    for result in results:
        if result is None or result.status != "rejected" or result.problem is None:
            continue
        raw = items[result.index]
        param = result.problem["invalid-params"][0]
        await outbox.add(
            session,
            ReadingRejected(
                gateway_id=gateway.id,
                city=gateway.city,
                index=result.index,
                sensor_id=raw.get("sensor_id") if isinstance(raw.get("sensor_id"), str) else None,
                field=param["name"],
                reason=param["reason"],
                item={k: v for k, v in raw.items()} if isinstance(raw, dict) else {"raw": raw},
                received_at=now,
            ),
            key=gateway.id,
        )
