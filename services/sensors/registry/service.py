"""The sensor registry: what each sensor measures and how the inventory accounts it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.gateways.models import Gateway
from services.sensors.gateways.service import writable_gateway
from services.sensors.registry.models import Sensor
from services.sensors.registry.repository import SensorRepository
from services.sensors.registry.schemas import (
    BulkResult,
    BulkRow,
    SensorCreate,
    SensorFields,
    SensorUpdate,
    error_field,
)
from shared.auth import Principal, ensure_can_write
from shared.problems import InvalidParam, ProblemError, pointer

MAX_BULK_ROWS = 5000
BULK_COLUMNS = set(SensorCreate.model_fields)


def sensor_id_for(gateway_id: str, external_id: str) -> str:
    """Stable, readable id: the gateway's id and its own name for the sensor."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", external_id).strip("-").lower()[:50] or "sensor"
    return f"{gateway_id}.{slug}"


def _new_sensor(gateway: Gateway, data: SensorCreate, now: datetime) -> Sensor:
    return Sensor(
        id=sensor_id_for(gateway.id, data.external_id),
        gateway_id=gateway.id,
        city=gateway.city,
        quantity=data.quantity,
        unit=data.unit,
        energy_carrier=data.energy_carrier
        or ("electricity" if data.kind == "energy_meter" else None),
        vehicle_class=data.vehicle_class or ("car" if data.kind == "traffic_counter" else None),
        created_at=now,
        **data.model_dump(exclude={"energy_carrier", "vehicle_class"}),
    )


def _exists(external_id: str, field: str = "/body/external_id") -> ProblemError:
    return ProblemError(
        409,
        "Conflict",
        f"sensor '{external_id}' exists on this gateway",
        kind="conflict",
        field=field,
    )


async def register_sensor(
    session: AsyncSession, principal: Principal, gateway_id: str, data: SensorCreate
) -> Sensor:
    gateway = await writable_gateway(session, principal, gateway_id)
    repo = SensorRepository(session)
    sensor = _new_sensor(gateway, data, datetime.now(UTC))
    if await repo.get(sensor.id):
        raise _exists(data.external_id)
    repo.add(sensor)
    await session.flush()
    return sensor


async def get_sensor(session: AsyncSession, sensor_id: str) -> Sensor:
    sensor = await SensorRepository(session).get(sensor_id)
    if sensor is None:
        raise ProblemError(
            404, "Not Found", f"no sensor '{sensor_id}'", kind="not-found", field="/path/sensor_id"
        )
    return sensor


async def update_sensor(
    session: AsyncSession, principal: Principal, sensor_id: str, data: SensorUpdate
) -> Sensor:
    sensor = await get_sensor(session, sensor_id)
    ensure_can_write(principal, sensor.city, field="/path/sensor_id")
    changes = data.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    current = {name: getattr(sensor, name) for name in SensorFields.model_fields}
    try:
        merged = SensorFields.model_validate({**current, **changes})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = error_field(err)
        raise ProblemError(
            422,
            "Request validation failed",
            err["msg"],
            kind="validation",
            field=pointer(("body", name)) if name else "/body",
        ) from exc
    if merged.quantity != sensor.quantity:
        raise ProblemError(
            409,
            "Conflict",
            f"this would change what the sensor measures ({sensor.quantity} to "
            f"{merged.quantity}); register a new sensor instead",
            kind="conflict",
            field="/body/energy_carrier",
        )
    for name, value in changes.items():
        setattr(sensor, name, value)
    if status is not None:
        sensor.status = status
    sensor.updated_at = datetime.now(UTC)
    await session.flush()
    return sensor


async def deactivate_sensor(session: AsyncSession, principal: Principal, sensor_id: str) -> Sensor:
    """Its readings are refused from now on; its history and meter state are kept."""
    return await update_sensor(session, principal, sensor_id, SensorUpdate(status="inactive"))


async def bulk_register(
    session: AsyncSession, principal: Principal, gateway_id: str, text: str
) -> BulkResult:
    """Register the sensors of a CSV file (a header row of SensorCreate fields, then one sensor
    per row). Every row is answered; the valid ones are created, the others name their column."""
    gateway = await writable_gateway(session, principal, gateway_id)
    # newline="": the csv module itself handles \r\n, \n and \r, also inside quoted cells.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        raise ProblemError(
            422,
            "Request validation failed",
            f"not a CSV file: {exc}",
            kind="validation",
            field=pointer(("body", reader.line_num)),
        ) from exc
    unknown = [name for name in header if name not in BULK_COLUMNS]
    if not header or "external_id" not in header or unknown:
        raise ProblemError(
            422,
            "Request validation failed",
            f"the header names unknown columns: {', '.join(unknown)}"
            if unknown
            else "the first row must be a header naming at least external_id, kind and "
            "gpc_reference",
            kind="validation",
            field="/body/0",
        )
    if not rows or len(rows) > MAX_BULK_ROWS:
        raise ProblemError(
            422,
            "Request validation failed",
            f"give between 1 and {MAX_BULK_ROWS} sensors",
            kind="validation",
            field="/body",
        )
    now = datetime.now(UTC)
    results: list[BulkRow | None] = [None] * len(rows)
    candidates: dict[str, tuple[int, Sensor]] = {}
    for n, row in enumerate(rows, start=1):
        if None in row:  # more cells than the header has columns
            results[n - 1] = _bulk_rejected(n, "", "the row has more cells than the header")
            continue
        fields = {k: v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
        try:
            # The cells are text: "60" is a number here (shared/jsontypes.py).
            data = SensorCreate.model_validate_strings(fields)
        except ValidationError as exc:
            err = exc.errors()[0]
            results[n - 1] = _bulk_rejected(n, error_field(err), err["msg"])
            continue
        sensor = _new_sensor(gateway, data, now)
        if sensor.id in candidates:
            results[n - 1] = _bulk_rejected(
                n, "external_id", "the same sensor is in an earlier row", status=409
            )
            continue
        candidates[sensor.id] = (n, sensor)
    repo = SensorRepository(session)
    existing = await repo.many(candidates)
    for sensor_id, (n, sensor) in candidates.items():
        if sensor_id in existing:
            results[n - 1] = _bulk_rejected(
                n, "external_id", f"sensor '{sensor.external_id}' exists", status=409
            )
        else:
            repo.add(sensor)
            results[n - 1] = BulkRow(row=n, status="created", sensor_id=sensor_id)
    await session.flush()
    final = [r for r in results if r is not None]
    created = sum(r.status == "created" for r in final)
    return BulkResult(created=created, rejected=len(final) - created, results=final)


def _bulk_rejected(row: int, column: str, reason: str, status: int = 422) -> BulkRow:
    name = pointer(("rows", row, column)) if column else pointer(("rows", row))
    param = InvalidParam(name=name, reason=reason)
    return BulkRow(
        row=row,
        status="rejected",
        problem={
            "type": "https://klimaby.no/problems/invalid-sensor",
            "title": "Invalid sensor" if status == 422 else "Conflicting sensor",
            "status": status,
            "detail": f"{name}: {reason}",
            "invalid-params": [param.model_dump()],
        },
    )
