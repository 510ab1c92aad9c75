"""Projecting events into city progress, and the views read from it.

Counting is safe because every event reaches here once per consumer group: the idempotent
consumer records event ids in ``processed_events`` in the same transaction as these upserts.

Events of types this build's catalogue does not know (a newer contracts service publishing
Climate City Contract, action or label events) are read tolerantly from the CloudEvent's
``data``: what the hub recognises is projected, the rest is only logged. A city's target comes
from ``target.set``, typed, with the trajectory the inventory computed: the hub keeps that line
and never recomputes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.progress.models import (
    CityAction,
    CityDelta,
    CityMilestone,
    CityProgress,
    CityTarget,
    InventoryYear,
    LiveMonth,
    Registration,
    SectorPace,
)
from services.hub.progress.repository import (
    CityProgressRepository,
    ContextRepository,
    upsert,
)
from shared.events.payloads import (
    BudgetStatusChanged,
    CityRegistered,
    EmissionsAccounted,
    EmissionsRecalculated,
    InventoryPublished,
    MouDrafted,
    MouSigned,
    PartnerRegistered,
    TargetSet,
)
from shared.localtime import DEFAULT_TIME_ZONE, is_time_zone, local_month
from shared.messaging.consumer import ConsumedEvent
from shared.problems import ProblemError
from shared.text import without_nul

SECTORS = ("I", "II", "III", "IV", "V")


def sector_of(gpc_reference: str) -> str:
    """The GPC sector of a cell reference: I.1.2 → I."""
    return gpc_reference.split(".", 1)[0][:4]


def _text(value: Any, limit: int) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return without_nul(str(value))[:limit] or None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _last_segment(event_type: str) -> str:
    return event_type.rsplit(".", 1)[-1]


@dataclass
class Batch:
    """What one batch of events changes, folded per key before anything is written."""

    deltas: dict[str, CityDelta] = field(default_factory=dict)
    inventories: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    months: dict[tuple[str, int, int, str], list[int]] = field(default_factory=dict)
    paces: dict[tuple[str, int, str], dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    milestones: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def delta(self, city: str) -> CityDelta:
        return self.deltas.setdefault(city, CityDelta(city))

    def book(self, city: str, year: int, month: int, sector: str, mg: int, readings: int) -> None:
        entry = self.months.setdefault((city, year, month, sector), [0, 0])
        entry[0] += mg
        entry[1] += readings


def _newest(store: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any], at: str) -> None:
    if key not in store or row[at] >= store[key][at]:
        store[key] = row


def _registration_zones(events: Sequence[ConsumedEvent]) -> dict[str, str]:
    zones: dict[str, str] = {}
    for event in events:
        if isinstance(event.payload, CityRegistered):
            zone = event.envelope.data.get("time_zone")
            if isinstance(zone, str) and is_time_zone(zone):
                zones[event.payload.city] = zone
    return zones


def fold(events: Sequence[ConsumedEvent], zones: dict[str, str | None]) -> Batch:
    """Fold a batch into its changes. ``zones`` holds each city's time zone as stored."""
    batch = Batch()
    zones = {**zones, **_registration_zones(events)}

    def zone(city: str) -> str:
        return zones.get(city) or DEFAULT_TIME_ZONE

    for event in events:
        payload = event.payload
        data = event.envelope.data
        at = event.envelope.time.astimezone(UTC)
        match payload:
            case CityRegistered():
                time_zone = data.get("time_zone")
                batch.delta(payload.city).register(
                    Registration(
                        # Another service's text: never let it block this projection.
                        name=without_nul(payload.name),
                        bidding_zone=payload.bidding_zone,
                        mission_city=payload.mission_city,
                        registered_at=at,
                        time_zone=time_zone
                        if isinstance(time_zone, str) and is_time_zone(time_zone)
                        else None,
                    )
                )
            case EmissionsAccounted():
                batch.delta(payload.city).account(payload, at)
                # The amounts go to the local months the inventory booked them in (a backfilled
                # batch spans months). The readings, which the event does not split by month,
                # count in the month the batch starts in, as do the amounts of an event from
                # before cell_months.
                year, month = local_month(payload.period_start, zone(payload.city))
                split = bool(payload.cell_months)
                for cell in payload.cells:
                    batch.book(
                        payload.city,
                        year,
                        month,
                        sector_of(cell.gpc_reference),
                        0 if split else cell.co2e_mg,
                        cell.readings,
                    )
                for part in payload.cell_months:
                    batch.book(
                        payload.city,
                        part.year,
                        part.month,
                        sector_of(part.gpc_reference),
                        part.co2e_mg,
                        0,
                    )
            case EmissionsRecalculated():
                # A revised (or newly added) factor changed amounts already accounted: add the
                # exact difference, so the total stays the sum of the inventory's buckets.
                batch.delta(payload.city).co2e_mg += payload.co2e_mg_delta
                if payload.cell_months:
                    for moved in payload.cell_months:
                        batch.book(
                            payload.city,
                            moved.year,
                            moved.month,
                            sector_of(moved.gpc_reference),
                            moved.co2e_mg_delta,
                            0,
                        )
                else:
                    year, month = local_month(payload.period_start, zone(payload.city))
                    for recalculated in payload.cells:
                        batch.book(
                            payload.city,
                            year,
                            month,
                            sector_of(recalculated.gpc_reference),
                            recalculated.co2e_mg_delta,
                            0,
                        )
            case InventoryPublished():
                batch.delta(payload.city)
                total = (
                    payload.basic_plus_co2e_mg
                    if payload.level == "BASIC+"
                    else payload.basic_co2e_mg
                )
                row = {
                    "city": payload.city,
                    "year": payload.year,
                    "version": payload.version,
                    "level": payload.level,
                    "gwp_set": payload.gwp_set,
                    "total_co2e_mg": total,
                    "basic_co2e_mg": payload.basic_co2e_mg,
                    "basic_plus_co2e_mg": payload.basic_plus_co2e_mg,
                    "territorial_co2e_mg": payload.territorial_co2e_mg,
                    "sectors": json.dumps(payload.sectors_co2e_mg, sort_keys=True),
                    "published_at": payload.published_at.astimezone(UTC),
                }
                _newest(batch.inventories, (payload.city, payload.year), row, "version")
            case BudgetStatusChanged():
                batch.delta(payload.city)
                share = _decimal(data.get("measured_share"))
                row = {
                    "city": payload.city,
                    "year": payload.year,
                    "sector": payload.sector[:4],
                    "status": payload.status,
                    "ytd_co2e_mg": payload.ytd_co2e_mg,
                    "ceiling_co2e_mg": payload.ceiling_co2e_mg,
                    "prorated_ceiling_co2e_mg": payload.prorated_ceiling_co2e_mg,
                    "profile": payload.profile,
                    "estimate_co2e_mg": _whole(data.get("estimate_co2e_mg")),
                    # A share as a fixed-point decimal (never exponent form such as 6.9E-10).
                    "measured_share": f"{share:.6f}" if share is not None else None,
                    "method": _text(data.get("method"), 64),
                    "evaluated_at": payload.evaluated_at.astimezone(UTC),
                }
                key = (payload.city, payload.year, payload.sector[:4])
                _newest(batch.paces, key, row, "evaluated_at")
            case TargetSet():
                batch.delta(payload.city)
                row = {
                    "city": payload.city,
                    "version": payload.version,
                    "baseline_year": payload.baseline_year,
                    "baseline_co2e_mg": payload.baseline_co2e_mg,
                    "baseline_inventory": payload.baseline_inventory,
                    "baseline_sectors": json.dumps(
                        {s.sector: s.baseline_co2e_mg for s in payload.sectors}, sort_keys=True
                    ),
                    "target_year": payload.target_year,
                    "reduction_percent": str(payload.reduction_percent),
                    "trajectory": json.dumps([[p.year, p.co2e_mg] for p in payload.trajectory]),
                    "set_at": payload.set_at.astimezone(UTC),
                }
                # A newer version replaces the target; a late redelivery of an older one not.
                _newest(batch.targets, payload.city, row, "set_at")
            case PartnerRegistered():
                batch.delta(payload.city).partners += 1
            case MouDrafted():
                batch.delta(payload.city).mous_drafted += 1
            case MouSigned():
                batch.delta(payload.city).mous_signed += 1
            case _:
                _tolerantly(batch, event.envelope.type, data, at)
    return batch


def _tolerantly(batch: Batch, event_type: str, data: dict[str, Any], at: datetime) -> None:
    """Climate City Contract actions, the contract itself and the Mission Label, recognised
    by their type's words and the usual field names of their data."""
    city = data.get("city")
    if not isinstance(city, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", city):
        return
    # "no.klimaby.ccc.label_awarded" → {no, klimaby, ccc, label, awarded}
    words = set(event_type.lower().replace("_", ".").split("."))
    if "action" in words:
        action_id = _text(data.get("action_id") or data.get("id"), 100)
        status = _text(data.get("status") or data.get("state"), 32) or _last_segment(event_type)
        if action_id is None:
            return
        batch.delta(city)
        sector = _text(data.get("sector"), 4)
        if sector is None and isinstance(data.get("gpc_reference"), str):
            sector = sector_of(data["gpc_reference"])
        references = data.get("gpc_references")
        if sector is None and isinstance(references, list) and references:
            # action.status_changed names the cells it is judged on; their sector is the first's
            sector = sector_of(str(references[0]))
        _newest(
            batch.actions,
            (city, action_id),
            {
                "city": city,
                "action_id": action_id,
                "title": _text(
                    data.get("title") or data.get("action_name") or data.get("name"), 300
                ),
                "status": status.lower(),
                "sector": sector,
                "updated_at": at,
            },
            "updated_at",
        )
    elif words & {"label", "ccc", "contract"}:
        kind = "label" if "label" in words else "ccc"
        if kind == "ccc" and not words & {"status", "version", "state"}:
            return  # funding or portfolio changes say nothing of the contract's state
        state = _text(data.get("state") or data.get("status"), 64) or _last_segment(event_type)
        batch.delta(city)
        _newest(
            batch.milestones,
            (city, kind),
            {"city": city, "kind": kind, "state": state.lower(), "updated_at": at},
            "updated_at",
        )


def aggregate(events: Sequence[ConsumedEvent]) -> list[CityDelta]:
    """Fold a batch into one delta per city, in city order (a stable lock order for upserts)."""
    deltas = fold(events, {}).deltas
    return [deltas[city] for city in sorted(deltas)]


async def project(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    """Apply a batch of new events in the consumer's transaction."""
    cities = sorted({c for e in events if isinstance(c := e.envelope.data.get("city"), str)})
    batch = fold(events, await ContextRepository(session).zones(cities))
    now = datetime.now(UTC)
    deltas = [batch.deltas[city] for city in sorted(batch.deltas)]
    await CityProgressRepository(session).apply(deltas, now)
    await upsert(session, InventoryYear, _sorted(batch.inventories), newer="version")
    await upsert(
        session,
        LiveMonth,
        [
            {"city": c, "year": y, "month": m, "sector": s, "co2e_mg": mg, "readings": n}
            for (c, y, m, s), (mg, n) in sorted(batch.months.items())
        ],
        add=("co2e_mg", "readings"),
    )
    await upsert(session, SectorPace, _sorted(batch.paces), newer="evaluated_at")
    await upsert(session, CityTarget, _sorted(batch.targets), newer="set_at")
    await upsert(session, CityAction, _sorted(batch.actions), newer="updated_at")
    await upsert(session, CityMilestone, _sorted(batch.milestones), newer="updated_at")


def _sorted(store: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    return [store[key] for key in sorted(store)]


async def get_city(session: AsyncSession, city: str) -> CityProgress:
    """The city's progress, or 404: a city the hub has not heard of does not exist for it."""
    progress = await CityProgressRepository(session).get(city)
    if progress is None:
        raise ProblemError(
            404,
            "Not Found",
            f"the hub has no event about city '{city}'",
            kind="not-found",
            field="/path/city",
        )
    return progress


def _whole(value: object) -> int | None:
    """A whole number of milligrams from another service's event, or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
