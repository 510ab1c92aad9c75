"""Coverage: recording what sensors measure, the city's statements, and the coverage of a cell.

A **coverage group** is a set of sensors of one cell that together measure a known share of
the cell's activity: the sensors that name the same ``coverage_group`` in the registry, or one
sensor alone (its group is its id). A group's share is what the city states for it, else what
its sensors declare (the newest declaration). The city may also state the share of a whole cell
(all its sensors together), which then applies instead of the groups'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import Accounted
from services.inventory.accounting.decoding import AcceptedReading
from services.inventory.cities.service import get_city
from services.inventory.coverage.models import WHOLE_CELL, CoverageStatement, SensorCoverage
from services.inventory.coverage.repository import CoverageRepository
from services.inventory.gpc.catalogue import CELLS_BY_REFERENCE
from shared.auth import Principal
from shared.localtime import DEFAULT_TIME_ZONE, month_start_of
from shared.problems import ProblemError

MICRO = Decimal(1_000_000)
_ONE = Decimal(1)


def to_micro(value: Decimal) -> int:
    return int((value * MICRO).quantize(_ONE, rounding=ROUND_HALF_EVEN))


async def record_measured(
    session: AsyncSession,
    accounted: Sequence[Accounted],
    now: datetime,
    time_zones: Mapping[str, str],
) -> None:
    """In the accounting transaction: add the batch's newly accounted readings to their sensors'
    activity per local month, and keep each sensor's newest coverage declaration. One upsert
    per sensor-month and one per sensor, whatever the batch's size. ``time_zones`` are the
    batch's cities' zones as its accounting read them (``BatchResult.time_zones``): read once
    per transaction, not again here; a city not registered (yet) keeps the default calendar,
    as its accounting did."""
    if not accounted:
        return
    zones = {
        city: time_zones.get(city, DEFAULT_TIME_ZONE)
        for city in {a.reading.city for a in accounted}
    }
    months: dict[tuple[str, str, str, str, datetime], list[Any]] = {}
    # Each sensor's newest reading (the last of equals); its declaration is built once below.
    newest: dict[str, AcceptedReading] = {}
    month_of: dict[tuple[datetime, str], datetime] = {}
    for a in accounted:
        r = a.reading
        latest = newest.get(r.sensor_id)
        if latest is None or latest.received_at <= r.received_at:
            newest[r.sensor_id] = r
        if a.activity is None:
            continue
        # An interval is booked by its parts: each hour's share of the activity lands in the
        # local month that hour belongs to (a reading counts once, in its first part's month).
        cell = (r.city, r.gpc_reference, r.sensor_id, a.activity.name)
        # A list, not a generator per reading: nearly every reading has one part.
        pieces = (
            [(p.hour, p.activity_value, p.co2e_mg or 0, p.index == 0) for p in a.parts]
            if a.parts
            else [(a.hour, a.activity.value, a.co2e_mg or 0, True)]
        )
        for hour, value, mg, first in pieces:
            # Most readings of a batch share a few hours (and the accountant their hour
            # objects, whose hash is cached): one month lookup per hour and city.
            month = month_of.get(hour_key := (hour, r.city))
            if month is None:
                month = month_of[hour_key] = month_start_of(hour, zones[r.city])
            row = months.get(key := (*cell, month))
            if row is None:
                row = months[key] = [a.activity.unit, 0, 0, 0]
            row[1] += 1 if first else 0
            row[2] += to_micro(value)
            row[3] += mg
    repo = CoverageRepository(session)
    await repo.add_activity(
        [
            {
                "city": city,
                "gpc_reference": ref,
                "sensor_id": sensor,
                "activity": activity,
                "month": month,
                "activity_unit": unit,
                "readings": n,
                "activity_micro": micro,
                "co2e_mg": mg,
                "updated_at": now,
            }
            for (city, ref, sensor, activity, month), (unit, n, micro, mg) in months.items()
        ]
    )
    # One row per sensor of the batch: a sensor whose declaration was removed is cleared.
    await repo.declare([_declaration(r) for r in newest.values()])


def _declaration(r: AcceptedReading) -> dict[str, object]:
    share = r.accounting.coverage_share
    return {
        "sensor_id": r.sensor_id,
        "city": r.city,
        "gpc_reference": r.gpc_reference,
        "coverage_group": r.accounting.coverage_group,
        "coverage_share": Decimal(str(share)) if share is not None else None,
        "declared_at": r.received_at,
    }


# --- the coverage of a cell ---------------------------------------------------------------


@dataclass(frozen=True)
class GroupCoverage:
    group: str
    share: Fraction | None
    basis: str
    """stated (by the city), declared (by its sensors) or unknown"""
    sensors: tuple[str, ...]


@dataclass(frozen=True)
class CellCoverage:
    gpc_reference: str
    share: Fraction | None
    """The share of the cell's activity its measuring sensors cover; None when unknown"""
    basis: str
    """cell_stated, groups or unknown"""
    groups: tuple[GroupCoverage, ...] = ()
    uncovered_sensors: tuple[str, ...] = field(default=())


def cell_coverage(
    gpc_reference: str,
    sensors: Iterable[str],
    statements: Mapping[tuple[str, str], CoverageStatement],
    declarations: Mapping[str, SensorCoverage],
) -> CellCoverage:
    """The coverage of the cell measured by ``sensors``: the city's statement for the whole
    cell; else the sum of the sensors' groups' shares (a group counted once, at most 1), known
    only if every measuring sensor is in a group with a share."""
    whole = statements.get((gpc_reference, WHOLE_CELL))
    if whole is not None:
        return CellCoverage(gpc_reference, Fraction(whole.share), "cell_stated")
    members: dict[str, list[str]] = {}
    for sensor in sorted(set(sensors)):
        d = declarations.get(sensor)
        own = d if d is not None and d.gpc_reference == gpc_reference else None
        group = own.coverage_group if own is not None and own.coverage_group else sensor
        members.setdefault(group, []).append(sensor)
    groups = []
    for group, names in sorted(members.items()):
        stated = statements.get((gpc_reference, group))
        if stated is not None:
            groups.append(GroupCoverage(group, Fraction(stated.share), "stated", tuple(names)))
            continue
        shares = sorted(
            (d.declared_at, d.coverage_share)
            for d in declarations.values()
            if d.gpc_reference == gpc_reference
            and (d.coverage_group or d.sensor_id) == group
            and d.coverage_share is not None
        )
        share = Fraction(shares[-1][1]) if shares else None
        groups.append(
            GroupCoverage(
                group, share, "declared" if share is not None else "unknown", tuple(names)
            )
        )
    uncovered = tuple(s for g in groups if g.share is None for s in g.sensors)
    if not groups or uncovered:
        return CellCoverage(gpc_reference, None, "unknown", tuple(groups), uncovered)
    total = min(Fraction(1), sum((g.share for g in groups if g.share), Fraction(0)))
    return CellCoverage(gpc_reference, total, "groups", tuple(groups))


# --- the city's statements ----------------------------------------------------------------


def known_cell(gpc_reference: str) -> None:
    if gpc_reference not in CELLS_BY_REFERENCE:
        raise ProblemError(
            422,
            "Unknown GPC cell",
            f"'{gpc_reference}' is not a GPC cell (see GET /v1/gpc/cells)",
            kind="validation",
            field="/path/gpc_reference",
        )


async def state_coverage(
    session: AsyncSession,
    principal: Principal,
    city: str,
    gpc_reference: str,
    sensor_group: str,
    share: Decimal,
    source: str | None,
    now: datetime,
) -> CoverageStatement:
    await get_city(session, city)
    known_cell(gpc_reference)
    statement = CoverageStatement(
        city=city,
        gpc_reference=gpc_reference,
        sensor_group=sensor_group,
        share=share,
        source=source,
        updated_by=principal.actor,
        updated_at=now,
    )
    await CoverageRepository(session).save_statement(statement)
    await session.flush()
    return statement


async def withdraw_coverage(
    session: AsyncSession, city: str, gpc_reference: str, sensor_group: str
) -> None:
    await get_city(session, city)
    known_cell(gpc_reference)
    repo = CoverageRepository(session)
    statement = await repo.statement(city, gpc_reference, sensor_group)
    if statement is None:
        what = f"group '{sensor_group}' of " if sensor_group else ""
        raise ProblemError(
            404,
            "Not Found",
            f"{city} states no coverage for {what}{gpc_reference}",
            kind="not-found",
            field="/path/group" if sensor_group else "/path/gpc_reference",
        )
    await repo.delete_statement(statement)
    await session.flush()
