"""Recomputing accounted readings after the fact, exactly.

Two things change amounts already accounted: a factor **revision** (every reading computed with
the superseded version is recomputed with the new one) and a factor **added** for readings that
were recorded without one (``no_factor``, e.g. district heating before its plant factor exists).
Both run in the caller's transaction: the readings' lineage, every bucket and monthly roll-up
they touched (adjusted by the exact difference in integer mg) and one ``emissions.recalculated``
event per city commit together, or not at all. Readings of other factors, versions, years and
zones are never read, so they cannot change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import (
    Activity,
    emissions_mg,
    factor_regions,
    touched_sectors,
)
from services.inventory.accounting.models import AccountedReading
from services.inventory.accounting.repository import (
    AccountingRepository,
    BucketChanges,
    BucketKey,
    lock_factor_book,
)
from services.inventory.budget.pace import evaluate_pace
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.units import UnitError
from shared.events.payloads import EmissionsRecalculated, RecalculatedCell
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg

# Readings are read and rewritten in pages of this size, all in the one transaction.
PAGE = 2_000

Reason = Literal["factor_revised", "factor_added"]


@dataclass
class Recalculation:
    """What one recalculation changed: per bucket, readings added and the mg difference."""

    reason: Reason
    factor: EmissionFactor
    previous_version: int | None
    readings: int = 0
    co2e_mg_delta: int = 0
    buckets: BucketChanges = field(default_factory=dict)
    # Per bucket, readings recomputed (a revision adds no readings to a bucket, but the event
    # says how many readings each cell's difference comes from).
    recomputed: dict[BucketKey, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, row: AccountedReading, delta_mg: int, readings_added: int) -> None:
        key: BucketKey = (row.city, row.gpc_reference, row.scope, row.hour.astimezone(UTC))
        bucket = self.buckets.setdefault(key, [0, 0])
        bucket[0] += readings_added
        bucket[1] += delta_mg
        self.recomputed[key] += 1
        self.readings += 1
        self.co2e_mg_delta += delta_mg

    def per_city(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (city, *_rest), (_n, mg) in self.buckets.items():
            totals[city] += mg
        return dict(totals)


async def recalculate_for_revision(
    session: AsyncSession, outbox: Outbox, old: EmissionFactor, new: EmissionFactor
) -> Recalculation:
    """Recompute every accounted reading and bucket that ``old`` touched with ``new``, in the
    caller's transaction, and stage an ``emissions.recalculated`` event per city with the
    difference per cell.

    The readings keep the factor they were matched to (same id); only its version, value and
    lineage change. The caller has already written ``new`` and retired ``old``.
    """
    await lock_factor_book(session, exclusive=True)
    repo = AccountingRepository(session)
    now = datetime.now(UTC)
    result = Recalculation("factor_revised", new, previous_version=old.version)
    after = ""
    while page := await repo.readings_of_factor(old.id, old.version, after, PAGE):
        updates = []
        for row in page:
            mg = _revised_emissions(row, new)
            result.add(row, mg - (row.co2e_mg or 0), readings_added=0)
            updates.append(_lineage(row.reading_id, new, mg, now))
        await repo.set_factor_of_readings(updates)
        after = page[-1].reading_id
    await _apply(session, outbox, repo, result, now)
    return result


async def account_waiting_readings(
    session: AsyncSession, outbox: Outbox, factor: EmissionFactor
) -> Recalculation:
    """Account the readings recorded ``no_factor`` that ``factor`` now covers.

    Call it in the transaction that adds a factor (a new id, not a revision), after it is
    flushed. A waiting reading takes the factor only if the usual lookup (city, then bidding
    zone, then Norway; the reading's year) now picks exactly this one.
    """
    # Imported here: the factor library imports this module (it calls the revision above).
    from services.inventory.factors.service import FactorBook

    await lock_factor_book(session, exclusive=True)
    repo = AccountingRepository(session)
    book = FactorBook.of(await FactorRepository(session).current())
    now = datetime.now(UTC)
    result = Recalculation("factor_added", factor, previous_version=None)
    after = ""
    while page := await repo.readings_without_factor(factor.activity, after, PAGE):
        updates = []
        for row in page:
            chosen = book.find(
                row.activity,
                factor_regions(row.city, row.bidding_zone),
                row.hour.astimezone(UTC).year,
                gpc_reference=row.gpc_reference,
            )
            if chosen is None or (chosen.id, chosen.version) != (factor.id, factor.version):
                continue
            try:
                mg = _emissions(row, factor)
            except UnitError:
                continue  # the factor cannot weigh this activity: the reading keeps waiting
            result.add(row, mg, readings_added=1)
            updates.append(_lineage(row.reading_id, factor, mg, now))
        await repo.set_factor_of_readings(updates)
        after = page[-1].reading_id
    await _apply(session, outbox, repo, result, now)
    return result


def _revised_emissions(row: AccountedReading, new: EmissionFactor) -> int:
    try:
        return _emissions(row, new)
    except UnitError as exc:
        # The revision changed what the factor is per (energy to mass, say): the readings it
        # was applied to could no longer be accounted, so the revision is refused.
        raise ProblemError(
            422,
            "Incompatible revision",
            f"readings accounted with this factor are in {row.activity_unit}: {exc}",
            kind="validation",
            field="/body/activity_unit",
        ) from exc


def _emissions(row: AccountedReading, factor: EmissionFactor) -> int:
    activity = Activity(row.activity, Decimal(row.activity_value), row.activity_unit)
    return emissions_mg(activity, factor)


def _lineage(reading_id: str, factor: EmissionFactor, mg: int, now: datetime) -> dict[str, Any]:
    return {
        "reading_id": reading_id,
        "factor_id": factor.id,
        "factor_version": factor.version,
        "factor_year": factor.valid_from_year,
        "factor_source": factor.source,
        "gwp_set": factor.gwp_set,
        "gas": factor.gas,
        "co2e_mg": mg,
        "status": "accounted",
        "recalculated_at": now,
    }


async def _apply(
    session: AsyncSession,
    outbox: Outbox,
    repo: AccountingRepository,
    result: Recalculation,
    now: datetime,
) -> None:
    if not result.readings:
        return
    await repo.add_to_buckets(result.buckets, now)
    await _emit_per_city(session, outbox, result)
    # The year-to-date moved: the budget's pace of the touched sectors may have too.
    await evaluate_pace(session, outbox, touched_sectors(result.buckets, now.year), now)


async def _emit_per_city(session: AsyncSession, outbox: Outbox, result: Recalculation) -> None:
    by_city: dict[str, dict[tuple[str, int], list[int]]] = defaultdict(dict)
    hours: dict[str, list[datetime]] = defaultdict(list)
    for key, (_n, mg) in result.buckets.items():
        city, ref, scope, hour = key
        cell = by_city[city].setdefault((ref, scope), [0, 0])
        cell[0] += result.recomputed[key]
        cell[1] += mg
        hours[city].append(hour)
    for city in sorted(by_city):
        cells = by_city[city]
        delta = sum(mg for _n, mg in cells.values())
        await outbox.add(
            session,
            EmissionsRecalculated(
                city=city,
                reason=result.reason,
                factor_id=result.factor.id,
                factor_version=result.factor.version,
                previous_version=result.previous_version,
                readings_recalculated=sum(n for n, _mg in cells.values()),
                co2e_mg_delta=delta,
                tco2e_delta=tco2e_from_mg(delta),
                cells=[
                    RecalculatedCell(gpc_reference=ref, scope=scope, readings=n, co2e_mg_delta=mg)
                    for (ref, scope), (n, mg) in sorted(cells.items())
                ],
                period_start=min(hours[city]),
                period_end=max(hours[city]) + timedelta(hours=1),
            ),
            key=city,
        )
