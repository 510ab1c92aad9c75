"""Accounting a batch of readings, exactly once, inside the consumer's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import Accounted, account, touched_sectors
from services.inventory.accounting.models import AccountedReading
from services.inventory.accounting.repository import (
    AccountingRepository,
    BucketChanges,
    lock_factor_book,
)
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.service import FactorBook
from shared.db import insert_ignoring_conflicts
from shared.events.payloads import AccountedCell, EmissionsAccounted, ReadingAccepted
from shared.messaging.outbox import Outbox
from shared.quantities import tco2e_from_mg

READINGS: Table = AccountedReading.__table__  # type: ignore[attr-defined]


@dataclass
class BatchResult:
    new: int = 0
    duplicates: int = 0
    unaccounted: int = 0
    per_city_mg: dict[str, int] = field(default_factory=dict)
    changes: BucketChanges = field(default_factory=dict)

    def touched_sectors(self, year: int | None = None) -> dict[str, set[str]]:
        """The GPC sectors per city whose figures this batch changed (in ``year``, if given)."""
        return touched_sectors(self.changes, year)


async def account_readings(
    session: AsyncSession, outbox: Outbox, readings: Sequence[ReadingAccepted]
) -> BatchResult:
    """Account the readings not seen before; emit one ``emissions.accounted`` per city."""
    result = BatchResult()
    if not readings:
        return result
    # Shared with other batches, exclusive against a factor revision: a batch never commits
    # readings at a version that a concurrent revision has already finished recomputing.
    await lock_factor_book(session, exclusive=False)
    book = FactorBook.of(await FactorRepository(session).current())
    repo = AccountingRepository(session)
    zones = await repo.city_bidding_zones({r.city for r in readings})
    now = datetime.now(UTC)
    by_id: dict[str, Accounted] = {}
    for reading in readings:
        by_id.setdefault(str(reading.reading_id), account(reading, book, zones.get(reading.city)))
    inserted = await insert_ignoring_conflicts(
        session, READINGS, [_row(a, now) for a in by_id.values()], returning=("reading_id",)
    )
    new = [by_id[row.reading_id] for row in inserted]
    result.new = len(new)
    result.duplicates = len(readings) - len(new)

    buckets: BucketChanges = {}
    for a in new:
        if a.co2e_mg is None:
            result.unaccounted += 1
            continue
        cell = buckets.setdefault(
            (a.reading.city, a.reading.gpc_reference, a.scope, a.hour), [0, 0]
        )
        cell[0] += 1
        cell[1] += a.co2e_mg
    await repo.add_to_buckets(buckets, now)
    await _emit_per_city(session, outbox, new, buckets)
    result.per_city_mg = _per_city(buckets)
    result.changes = buckets
    return result


def _row(a: Accounted, now: datetime) -> dict[str, object]:
    r = a.reading
    return {
        "reading_id": str(r.reading_id),
        "sensor_id": r.sensor_id,
        "city": r.city,
        "gpc_reference": r.gpc_reference,
        "scope": a.scope,
        "hour": a.hour,
        "observed_at": r.time,
        "activity": a.activity.name if a.activity else "unknown",
        "activity_value": a.activity.value if a.activity else 0,
        "activity_unit": a.activity.unit if a.activity else r.unit,
        "factor_id": a.factor.id if a.factor else None,
        "factor_version": a.factor.version if a.factor else None,
        "factor_year": a.factor.valid_from_year if a.factor else None,
        "factor_source": a.factor.source if a.factor else None,
        "gwp_set": a.factor.gwp_set if a.factor else None,
        "gas": a.factor.gas if a.factor else None,
        "co2e_mg": a.co2e_mg,
        "status": a.status,
        "accounted_at": now,
        "bidding_zone": a.bidding_zone,
        "recalculated_at": None,
    }


def _per_city(buckets: BucketChanges) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (city, _ref, _scope, _hour), (_n, mg) in buckets.items():
        totals[city] += mg
    return dict(totals)


async def _emit_per_city(
    session: AsyncSession,
    outbox: Outbox,
    new: Sequence[Accounted],
    buckets: BucketChanges,
) -> None:
    cities: dict[str, list[Accounted]] = defaultdict(list)
    for a in new:
        cities[a.reading.city].append(a)
    for city, accounted in cities.items():
        cells: dict[tuple[str, int], list[int]] = {}
        for (c, ref, scope, _hour), (n, mg) in buckets.items():
            if c == city:
                cell = cells.setdefault((ref, scope), [0, 0])
                cell[0] += n
                cell[1] += mg
        total = sum(mg for _n, mg in cells.values())
        times = [a.reading.time for a in accounted]
        await outbox.add(
            session,
            EmissionsAccounted(
                city=city,
                readings_accounted=len(accounted),
                co2e_mg=total,
                tco2e=tco2e_from_mg(total),
                cells=[
                    AccountedCell(
                        gpc_reference=ref,
                        scope=scope,
                        readings=n,
                        co2e_mg=mg,
                    )
                    for (ref, scope), (n, mg) in sorted(cells.items())
                ],
                period_start=min(times),
                period_end=max(times),
            ),
            key=city,
        )
