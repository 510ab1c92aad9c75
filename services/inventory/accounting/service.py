"""Accounting a batch of readings, exactly once, inside the consumer's transaction: first the
readings and their lineage (``record_new_readings``), then their share of the totals that other
transactions share (``add_to_totals``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import Accountant, Accounted, touched_sectors
from services.inventory.accounting.decoding import AcceptedReading
from services.inventory.accounting.lineage import record_lineage
from services.inventory.accounting.repository import (
    AccountingRepository,
    BucketChanges,
    GasChanges,
    lock_factor_book,
)
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.service import FactorBook
from shared.events.payloads import (
    AccountedCell,
    AccountedCellMonth,
    AccountedSensorGroup,
    EmissionsAccounted,
)
from shared.localtime import DEFAULT_TIME_ZONE, local_month
from shared.messaging.outbox import Outbox
from shared.quantities import tco2e_from_mg


@dataclass
class BatchResult:
    new: int = 0
    duplicates: int = 0
    unaccounted: int = 0
    per_city_mg: dict[str, int] = field(default_factory=dict)
    changes: BucketChanges = field(default_factory=dict)
    accounted: list[Accounted] = field(default_factory=list)
    """The readings this batch accounted for the first time (duplicates left out)."""
    time_zones: dict[str, str] = field(default_factory=dict)
    accounted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    """The batch's ``accounted_at`` (its lineage's, and its buckets' ``updated_at``)."""

    def touched_sectors(self, now: datetime | None = None) -> dict[str, set[str]]:
        """The GPC sectors per city whose figures this batch changed (in each city's current
        local year at ``now``, if given)."""
        return touched_sectors(self.changes, now, self.time_zones)


async def record_new_readings(
    session: AsyncSession, readings: Sequence[AcceptedReading]
) -> BatchResult:
    """Account the readings and record those not seen before (their lineage), without adding
    them to the totals yet (``add_to_totals``)."""
    result = BatchResult()
    if not readings:
        return result
    # Shared with other batches, exclusive against a factor revision: a batch never commits
    # readings at a version that a concurrent revision has already finished recomputing.
    await lock_factor_book(session, exclusive=False)
    book = FactorBook.of(await FactorRepository(session).current())
    repo = AccountingRepository(session)
    cities = await repo.city_settings({r.city for r in readings})
    result.time_zones = {city: tz for city, (_zone, tz) in cities.items()}
    now = datetime.now(UTC)
    accountant = Accountant(book)
    by_id: dict[str, Accounted] = {}
    for reading in readings:
        reading_id = str(reading.reading_id)
        if reading_id not in by_id:
            zone, tz = cities.get(reading.city, (None, DEFAULT_TIME_ZONE))
            by_id[reading_id] = accountant.account(reading, zone, tz)
    accounted = list(by_id.values())
    new_ids = await record_lineage(session, accounted, now)
    new = [a for a in accounted if str(a.reading.reading_id) in new_ids]
    result.new = len(new)
    result.duplicates = len(readings) - len(new)
    result.accounted = new
    result.accounted_at = now
    return result


async def add_to_totals(session: AsyncSession, outbox: Outbox, result: BatchResult) -> None:
    """Add the batch's new readings to the hourly buckets, the local months and the gas
    months, and emit one ``emissions.accounted`` per city. These rows are shared with the
    other lanes' (and replicas') transactions, whose upserts of them wait for this one's
    commit once it has written them: the batch's other work comes first, and here what they
    add is worked out before the first of them is written."""
    new = result.accounted
    if not new:
        return
    now = result.accounted_at
    buckets: BucketChanges = {}
    for a in new:
        if a.co2e_mg is None:
            result.unaccounted += 1
        for p in a.parts:
            if p.co2e_mg is None:
                continue
            cell = buckets.get(key := (a.reading.city, a.reading.gpc_reference, a.scope, p.hour))
            if cell is None:
                cell = buckets[key] = [0, 0]
            # A reading counts once, in the hour of its first part.
            cell[0] += 1 if p.index == 0 else 0
            cell[1] += p.co2e_mg
    gases = gas_changes(new)
    await _emit_per_city(session, outbox, new, buckets, result.time_zones)
    repo = AccountingRepository(session)
    await repo.add_to_buckets(buckets, now, result.time_zones)
    await repo.add_to_gas_months(gases, now, result.time_zones)
    result.per_city_mg = _per_city(buckets)
    result.changes = buckets


def gas_changes(new: Sequence[Accounted]) -> GasChanges:
    """What the new readings' accounted parts add per city, gas and hour (the GPC view's
    roll-up by gas); kept apart from the bucket loop so the write path can change freely."""
    changes: GasChanges = {}
    # A factor's gas, read from its ORM row once per batch (an attribute read is a descriptor
    # call, and a batch's parts share a few factors).
    gases: dict[int, str | None] = {}
    for a in new:
        city = a.reading.city
        for p in a.parts:
            if p.co2e_mg is None:
                continue
            factor = p.factor
            if id(factor) in gases:
                gas = gases[id(factor)]
            else:
                gas = gases[id(factor)] = factor.gas if factor else None
            change = changes.get(key := (city, gas, p.hour))
            if change is None:
                change = changes[key] = [0, 0]
            change[0] += 1
            change[1] += p.co2e_mg
    return changes


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
    time_zones: dict[str, str],
) -> None:
    cities: dict[str, list[Accounted]] = defaultdict(list)
    for a in new:
        cities[a.reading.city].append(a)
    for city, accounted in cities.items():
        tz = time_zones.get(city, DEFAULT_TIME_ZONE)
        cells: dict[tuple[str, int], list[int]] = {}
        months: dict[tuple[str, int, int, int], int] = defaultdict(int)
        for (c, ref, scope, hour), (n, mg) in buckets.items():
            if c == city:
                months[(ref, scope, *local_month(hour, tz))] += mg
                cell = cells.setdefault((ref, scope), [0, 0])
                cell[0] += n
                cell[1] += mg
        total = sum(mg for _n, mg in cells.values())
        times = [a.reading.time for a in accounted]
        # An interval reading's period runs to its end.
        ends = [a.reading.interval_end or a.reading.time for a in accounted]
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
                period_end=max(ends),
                cell_months=[
                    AccountedCellMonth(
                        gpc_reference=ref, scope=scope, year=year, month=month, co2e_mg=mg
                    )
                    for (ref, scope, year, month), mg in sorted(months.items())
                ],
                sensor_groups=_sensor_groups(accounted, tz),
            ),
            key=city,
        )


def _sensor_groups(accounted: Sequence[Accounted], tz: str) -> list[AccountedSensorGroup]:
    """The activity of the readings whose sensor belongs to a coverage group, per group, cell,
    unit and local month (by the hourly parts, so a reading over two months is split as its
    buckets are). A group's series is measured activity, which a factor revision leaves as it is."""
    groups: dict[tuple[str, str, str, int, int], list[Any]] = {}
    months: dict[datetime, tuple[int, int]] = {}
    for a in accounted:
        group = a.reading.accounting.coverage_group
        if group is None or a.activity is None:
            continue
        for p in a.parts:
            # A batch's parts fall in few hours: each hour's local month is worked out once.
            if p.hour not in months:
                months[p.hour] = local_month(p.hour, tz)
            year, month = months[p.hour]
            key = (group, a.reading.gpc_reference, a.activity.unit, year, month)
            entry = groups.setdefault(key, [0, Decimal(0)])
            entry[0] += 1 if p.index == 0 else 0
            entry[1] += p.activity_value
    return [
        AccountedSensorGroup(
            group=group,
            gpc_reference=ref,
            year=year,
            month=month,
            readings=n,
            activity_value=value,
            activity_unit=unit,
        )
        for (group, ref, unit, year, month), (n, value) in sorted(groups.items())
    ]
