"""Recomputing accounted readings after the fact, exactly.

Two things change amounts already accounted: a factor **revision** (every reading computed with
the superseded version is recomputed with the new one) and a factor **added** for readings that
were recorded without one (``no_factor``, e.g. district heating before its plant factor exists).
Both work on a reading's parts (one per hour it covers) and recompute the parts that share the
factor exactly as the accounting did (``weigh_parts``: weighed together, rounded once, split by
activity with the remainder to the last part), then refresh the readings' sums from their parts.
Both run in the caller's transaction: the readings' lineage, every bucket and monthly roll-up
they touched (adjusted by the exact difference in integer mg) and one ``emissions.recalculated``
event per city commit together, or not at all. Readings of other factors, versions, years and
zones are never read, so they cannot change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import (
    Activity,
    factor_regions,
    touched_sectors,
    weigh_parts,
)
from services.inventory.accounting.models import AccountedPart
from services.inventory.accounting.repository import (
    AccountingRepository,
    BucketChanges,
    BucketKey,
    GasChanges,
    lock_factor_book,
)
from services.inventory.budget.pace import evaluate_pace
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.units import UnitError
from shared.events.payloads import EmissionsRecalculated, RecalculatedCell, RecalculatedCellMonth
from shared.localtime import DEFAULT_TIME_ZONE, local_month
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
    # Per gas and hour: a recomputed part leaves its old gas (if it had an amount) for the
    # factor's, which a revision may have changed (the GPC view's roll-up by gas).
    gases: GasChanges = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def add(self, row: AccountedPart, delta_mg: int, readings_added: int) -> None:
        key: BucketKey = (row.city, row.gpc_reference, row.scope, row.hour.astimezone(UTC))
        bucket = self.buckets.setdefault(key, [0, 0])
        bucket[0] += readings_added
        bucket[1] += delta_mg
        self.recomputed[key] += 1
        hour = key[3]
        if row.co2e_mg is not None:
            old = self.gases.setdefault((row.city, row.gas, hour), [0, 0])
            old[0] -= 1
            old[1] -= row.co2e_mg
        new = self.gases.setdefault((row.city, self.factor.gas, hour), [0, 0])
        new[0] += 1
        new[1] += (row.co2e_mg or 0) + delta_mg
        if row.reading_id not in self._seen:
            self._seen.add(row.reading_id)
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
        for parts in _by_reading(page).values():
            for row, mg in zip(parts, _revised_emissions(parts, new), strict=True):
                result.add(row, mg - (row.co2e_mg or 0), readings_added=0)
                updates.append(_lineage(row, new, mg, now))
        await repo.set_factor_of_parts(updates)
        await _refresh_readings(repo, {row.reading_id for row in page}, now)
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
        for parts in _by_reading(page).values():
            # Of a reading's waiting parts, those whose year now picks this factor; weighed
            # together, as the accounting would have weighed them.
            chosen = [
                row
                for row in parts
                if _is(
                    book.find(
                        row.activity,
                        factor_regions(row.city, row.bidding_zone),
                        row.local_year,
                        gpc_reference=row.gpc_reference,
                    ),
                    factor,
                )
            ]
            if not chosen:
                continue
            try:
                amounts = _emissions(chosen, factor)
            except UnitError:
                continue  # the factor cannot weigh this activity: the reading keeps waiting
            for row, mg in zip(chosen, amounts, strict=True):
                # A reading counts in the hour of its first part.
                result.add(row, mg, readings_added=1 if row.part == 0 else 0)
                updates.append(_lineage(row, factor, mg, now))
        await repo.set_factor_of_parts(updates)
        await _refresh_readings(repo, {u["reading_id"] for u in updates}, now)
        after = page[-1].reading_id
    await _apply(session, outbox, repo, result, now)
    return result


def _is(found: EmissionFactor | None, factor: EmissionFactor) -> bool:
    return found is not None and (found.id, found.version) == (factor.id, factor.version)


def _by_reading(page: Sequence[AccountedPart]) -> dict[str, list[AccountedPart]]:
    parts: dict[str, list[AccountedPart]] = defaultdict(list)
    for row in page:
        parts[row.reading_id].append(row)
    for rows in parts.values():
        rows.sort(key=lambda row: row.part)
    return parts


async def _refresh_readings(repo: AccountingRepository, ids: set[str], now: datetime) -> None:
    """A reading's amount is the sum of its parts; its factor lineage that of its first part;
    it waits (``no_factor``) while any part does. One read and one executemany per page."""
    updates = []
    for reading_id, parts in _by_reading(await repo.parts_of(ids)).items():
        first = parts[0]
        amounts = [p.co2e_mg for p in parts if p.co2e_mg is not None]
        waiting = any(p.status == "no_factor" for p in parts)
        updates.append(
            {
                "reading_id": reading_id,
                "factor_id": first.factor_id,
                "factor_version": first.factor_version,
                "factor_year": first.factor_year,
                "factor_source": first.factor_source,
                "gwp_set": first.gwp_set,
                "gas": first.gas,
                "co2e_mg": sum(amounts) if amounts else None,
                "status": "no_factor" if waiting else first.status,
                "recalculated_at": now,
            }
        )
    await repo.set_factor_of_readings(updates)


def _revised_emissions(parts: list[AccountedPart], new: EmissionFactor) -> list[int]:
    row = parts[0]
    try:
        return _emissions(parts, new)
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


def _emissions(parts: list[AccountedPart], factor: EmissionFactor) -> list[int]:
    """The parts of one reading that share ``factor``, weighed as the accounting weighs them."""
    first = parts[0]
    shares = [Decimal(p.activity_value) for p in parts]
    activity = Activity(first.activity, sum(shares, Decimal(0)), first.activity_unit)
    return weigh_parts(activity, factor, shares)


def _lineage(row: AccountedPart, factor: EmissionFactor, mg: int, now: datetime) -> dict[str, Any]:
    return {
        "reading_id": row.reading_id,
        "part": row.part,
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
    zones = await repo.time_zones({city for city, *_rest in result.buckets})
    await repo.add_to_buckets(result.buckets, now, zones)
    await repo.add_to_gas_months(result.gases, now, zones)
    await _emit_per_city(session, outbox, result, zones)
    # The year-to-date moved: the budget's pace of the touched sectors may have too.
    await evaluate_pace(session, outbox, touched_sectors(result.buckets, now, zones), now)


async def _emit_per_city(
    session: AsyncSession, outbox: Outbox, result: Recalculation, zones: dict[str, str]
) -> None:
    by_city: dict[str, dict[tuple[str, int], list[int]]] = defaultdict(dict)
    months: dict[str, dict[tuple[str, int, int, int], int]] = defaultdict(lambda: defaultdict(int))
    hours: dict[str, list[datetime]] = defaultdict(list)
    for key, (_n, mg) in result.buckets.items():
        city, ref, scope, hour = key
        cell = by_city[city].setdefault((ref, scope), [0, 0])
        cell[0] += result.recomputed[key]
        cell[1] += mg
        months[city][(ref, scope, *local_month(hour, zones.get(city, DEFAULT_TIME_ZONE)))] += mg
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
                cell_months=[
                    RecalculatedCellMonth(
                        gpc_reference=ref, scope=scope, year=y, month=m, co2e_mg_delta=mg
                    )
                    for (ref, scope, y, m), mg in sorted(months[city].items())
                ],
            ),
            key=city,
        )
