"""Live pace: is each sector's estimate on course for this year's emission ceiling?

The pace compares an **estimate of the whole sector** so far (see ``budget.estimate``: what
is measured, scaled by history or by coverage, and what the last published inventory carries
for the cells without live data) with the sector's ceiling for the year (its point of the
target trajectory) pro-rated to the share of the year's emissions expected by now. The year
is the city's local calendar year. That share comes from last year's live emissions of the
sector, local month by local month (the seasonal profile: heating weighs on winter), and is
the elapsed share of the year ("flat") when last year has no emissions in some month of the
sector (no sensors yet, or not a full year of them). Within a month the share grows evenly.
Then, with ``ratio = estimate / pro-rated ceiling``:

- ``on_track``  ratio ≤ 1.00 — within the budget so far;
- ``at_risk``   1.00 < ratio ≤ 1.10 — up to 10 % over;
- ``off_track`` ratio > 1.10;
- ``no_data``   the sector has neither live data nor a figure in a published inventory:
  nothing is known, which is never "on track".

A ceiling pro-rated to zero (a net-zero year) is on track only with a zero estimate.

**When** it is evaluated: in the accounting consumer's transaction, after each batch, for the
cities and sectors whose figures the batch changed (a few queries per city: its target, at
most 24 monthly roll-up rows per cell, its last published inventory, its sensors' activity
months and coverage, the stored statuses), after a factor revision or a new factor changed
accounted emissions, and when the city's target, coverage or published inventory changes. A
status that differs from the stored one is stored and announced with ``budget.status_changed``
through the outbox, in that same transaction. The pace read from the API is always computed
afresh.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import sector_of
from services.inventory.accounting.repository import AccountingRepository
from services.inventory.budget.estimate import (
    CellInputs,
    SectorEstimate,
    SensorMonth,
    estimate_sector,
    history_ratio,
)
from services.inventory.budget.models import BudgetPaceStatus
from services.inventory.budget.repository import BudgetRepository
from services.inventory.cities.service import time_zone_of
from services.inventory.coverage.repository import CoverageRepository
from services.inventory.coverage.service import cell_coverage
from services.inventory.gpc.catalogue import CELLS_BY_REFERENCE
from services.inventory.inventories.repository import InventoryRepository
from services.inventory.targets.service import TargetWithSectors, current_target
from shared.events.payloads import BudgetStatusChanged, PaceStatus
from shared.localtime import local_month, local_year, month_start, year_start
from shared.messaging.outbox import Outbox
from shared.quantities import tco2e_from_mg

AT_RISK_ABOVE = Fraction(1)
OFF_TRACK_ABOVE = Fraction(11, 10)

Profile = Literal["seasonal", "flat"]


def status_of(estimate_mg: int, prorated_ceiling_mg: int) -> PaceStatus:
    if prorated_ceiling_mg <= 0:
        return "on_track" if estimate_mg <= 0 else "off_track"
    ratio = Fraction(estimate_mg, prorated_ceiling_mg)
    if ratio <= AT_RISK_ABOVE:
        return "on_track"
    if ratio <= OFF_TRACK_ABOVE:
        return "at_risk"
    return "off_track"


def year_progress(year: int, as_of: datetime, tz: str = "UTC") -> tuple[int, Fraction]:
    """The local month (1-12) ``as_of`` falls in and how much of it has passed; (12, 1) once
    the year is over, (1, 0) before it begins."""
    if as_of >= year_start(year + 1, tz):
        return 12, Fraction(1)
    if as_of <= year_start(year, tz):
        return 1, Fraction(0)
    _year, month = local_month(as_of, tz)
    start, end = month_start(year, month, tz), month_start(year, month + 1, tz)
    return month, Fraction(int((as_of - start).total_seconds()), int((end - start).total_seconds()))


def expected_share(
    year: int, as_of: datetime, last_year: Sequence[int] | None, tz: str = "UTC"
) -> tuple[Fraction, Profile]:
    """The share of ``year``'s emissions expected by ``as_of`` (1 once the year is over), in
    the calendar of ``tz`` (a city's zone).

    ``last_year`` is the previous year's emissions per month (January first); a seasonal
    profile needs every month above zero, else the share is the elapsed share of the year.
    """
    seasonal = (
        bool(last_year) and len(last_year or ()) == 12 and all(mg > 0 for mg in last_year or ())
    )
    profile: Profile = "seasonal" if seasonal else "flat"
    if as_of >= year_start(year + 1, tz):
        return Fraction(1), profile
    if as_of <= year_start(year, tz):
        return Fraction(0), profile
    month, into_month = year_progress(year, as_of, tz)
    if seasonal and last_year is not None:
        before = sum(last_year[: month - 1])
        return (before + last_year[month - 1] * into_month) / sum(last_year), profile
    elapsed = (as_of - year_start(year, tz)).total_seconds()
    length = (year_start(year + 1, tz) - year_start(year, tz)).total_seconds()
    return Fraction(int(elapsed), int(length)), profile


@dataclass(frozen=True)
class PublishedFigures:
    """The cells' figures of the last published inventory of a year up to the budget year."""

    year: int
    version: int
    label: str
    cells: dict[str, int] = field(default_factory=dict)


async def published_figures(session: AsyncSession, city: str, year: int) -> PublishedFigures | None:
    """The newest published version of the city's latest inventory of a year ≤ ``year`` that
    has one: its figure per cell of its level's GPC totals. A notation key is no figure, except
    ``NO`` (not occurring), which is a known zero."""
    repo = InventoryRepository(session)
    inventories = {i.id: i for i in await repo.of_city(city) if i.year <= year and i.id}
    published = [
        v for v in await repo.versions(list(inventories)) if v.status == "published" and v.id
    ]
    if not published:
        return None
    newest = max(published, key=lambda v: (inventories[v.inventory_id].year, v.version))
    inventory = inventories[newest.inventory_id]
    assert newest.id is not None
    cells: dict[str, int] = {}
    for e in await repo.entries(newest.id):
        cell = CELLS_BY_REFERENCE.get(e.gpc_reference)
        if cell is None or not cell.in_totals:
            continue
        if cell.level != "BASIC" and newest.level != "BASIC+":
            continue
        if e.kind == "notation" and e.notation_key != "NO":
            continue
        cells[e.gpc_reference] = e.co2e_mg
    return PublishedFigures(
        year=inventory.year,
        version=newest.version,
        label=f"{city}/{inventory.year}/v{newest.version}",
        cells=cells,
    )


@dataclass(frozen=True)
class SectorPace:
    sector: str
    ytd_mg: int
    """What the sector's sensors measured this year so far"""
    ceiling_mg: int
    prorated_ceiling_mg: int
    share: Fraction
    profile: Profile
    status: PaceStatus
    estimate: SectorEstimate

    @property
    def estimate_mg(self) -> int:
        return self.estimate.estimate_mg

    @property
    def ratio(self) -> float | None:
        if self.prorated_ceiling_mg <= 0 or not self.estimate.has_data:
            return None
        return self.estimate_mg / self.prorated_ceiling_mg

    @property
    def projected_year_end_mg(self) -> int | None:
        """The estimate scaled to a whole year by the same profile."""
        if self.share <= 0 or not self.estimate.has_data:
            return None
        return round(self.estimate_mg / self.share)


@dataclass(frozen=True)
class CityPace:
    time_zone: str
    inventory: PublishedFigures | None
    sectors: list[SectorPace]


async def compute_pace(
    session: AsyncSession,
    city: str,
    target: TargetWithSectors,
    year: int,
    as_of: datetime,
    sectors: Iterable[str] | None = None,
) -> CityPace:
    """Pace of the target's sectors (or of ``sectors`` among them) in the city's local
    ``year`` at ``as_of``."""
    tz = await time_zone_of(session, city)
    ceilings = target.ceilings(year)
    wanted = [s.sector for s in target.sectors if s.sector in ceilings]
    if sectors is not None:
        chosen = set(sectors)
        wanted = [s for s in wanted if s in chosen]
    if not wanted:
        return CityPace(tz, None, [])
    months = await AccountingRepository(session).months(
        city, year_start(year - 1, tz), year_start(year + 1, tz)
    )
    measured: dict[str, int] = defaultdict(int)
    last_year: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for row in months:
        row_year, row_month = local_month(row.month.astimezone(UTC), tz)
        if row_year == year:
            measured[row.gpc_reference] += row.co2e_mg
        elif row_year == year - 1:
            last_year[sector_of(row.gpc_reference)][row_month - 1] += row.co2e_mg
    inventory = await published_figures(session, city, year)
    activity = await _sensor_months(session, city, year, inventory, tz, wanted)
    coverage_repo = CoverageRepository(session)
    statements = {
        (s.gpc_reference, s.sensor_group): s for s in await coverage_repo.statements(city)
    }
    declarations = {d.sensor_id: d for d in await coverage_repo.declarations(city)}
    current_month, into_month = year_progress(year, as_of, tz)

    paces = []
    for sector in wanted:
        share, profile = expected_share(year, as_of, last_year.get(sector), tz)
        refs = {r for r in measured if sector_of(r) == sector}
        if inventory is not None:
            refs |= {r for r in inventory.cells if sector_of(r) == sector}
        cells = []
        for ref in refs:
            sensor_months = activity.get(ref, [])
            sensors = {m.sensor_id for m in sensor_months if m.this_year > 0}
            coverage = cell_coverage(ref, sensors, statements, declarations)
            history = (
                history_ratio(sensor_months, current_month, into_month)
                if inventory is not None and inventory.year < year
                else None
            )
            cells.append(
                CellInputs(
                    gpc_reference=ref,
                    measured_mg=measured.get(ref, 0),
                    has_live_data=ref in measured,
                    inventory_mg=inventory.cells.get(ref) if inventory else None,
                    activity_ratio=history,
                    coverage=coverage.share,
                    sensors=len(sensors),
                    uncovered_sensors=coverage.uncovered_sensors,
                )
            )
        estimate = estimate_sector(cells, share)
        prorated = round(ceilings[sector] * share)
        paces.append(
            SectorPace(
                sector=sector,
                ytd_mg=sum(measured[r] for r in refs if r in measured),
                ceiling_mg=ceilings[sector],
                prorated_ceiling_mg=prorated,
                share=share,
                profile=profile,
                status=status_of(estimate.estimate_mg, prorated)
                if estimate.has_data
                else "no_data",
                estimate=estimate,
            )
        )
    return CityPace(tz, inventory, paces)


async def _sensor_months(
    session: AsyncSession,
    city: str,
    year: int,
    inventory: PublishedFigures | None,
    tz: str,
    sectors: Sequence[str],
) -> dict[str, list[SensorMonth]]:
    """Per cell: each sensor's activity per local month this year, beside the same month of
    the inventory's year (the history the estimate scales the inventory's figure by)."""
    periods = [(year_start(year, tz), year_start(year + 1, tz))]
    base_year = inventory.year if inventory is not None and inventory.year < year else None
    if base_year is not None:
        periods.append((year_start(base_year, tz), year_start(base_year + 1, tz)))
    rows = await CoverageRepository(session).activity_months(city, periods, sectors)
    this: dict[tuple[str, str, str, int], int] = defaultdict(int)
    base: dict[tuple[str, str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        row_year, month = local_month(row.month.astimezone(UTC), tz)
        key = (row.gpc_reference, row.sensor_id, row.activity, month)
        if row_year == year:
            this[key] += row.activity_micro
        elif row_year == base_year:
            base[key][0] += row.activity_micro
            base[key][1] += row.co2e_mg
    cells: dict[str, list[SensorMonth]] = defaultdict(list)
    for key in sorted(set(this) | set(base)):
        ref, sensor, activity, month = key
        base_micro, base_mg = base.get(key, (0, 0))
        cells[ref].append(
            SensorMonth(sensor, activity, month, this.get(key, 0), base_micro, base_mg)
        )
    return cells


async def evaluate_pace(
    session: AsyncSession,
    outbox: Outbox,
    sectors_by_city: Mapping[str, Iterable[str] | None],
    now: datetime,
) -> list[BudgetStatusChanged]:
    """Re-evaluate the current local year's pace of the given sectors (None: all of the
    city's target); store and announce the changes."""
    changes: list[BudgetStatusChanged] = []
    for city in sorted(sectors_by_city):
        target = await current_target(session, city)
        if target is None:
            continue
        await _lock_city(session, city)
        year = local_year(now, await time_zone_of(session, city))
        result = await compute_pace(session, city, target, year, now, sectors_by_city[city])
        if not result.sectors:
            continue
        repo = BudgetRepository(session)
        stored = await repo.pace_statuses(city, year)
        for pace in result.sectors:
            previous = stored.get(pace.sector)
            if previous is not None and previous.status == pace.status:
                continue
            if previous is None and pace.status == "no_data":
                continue  # nothing known yet, nothing to announce: the first data will say
            estimate = pace.estimate
            share = estimate.measured_share
            event = BudgetStatusChanged(
                city=city,
                year=year,
                sector=pace.sector,
                previous_status=previous.status if previous else None,
                status=pace.status,
                ytd_co2e_mg=pace.ytd_mg,
                ceiling_co2e_mg=pace.ceiling_mg,
                prorated_ceiling_co2e_mg=pace.prorated_ceiling_mg,
                profile=pace.profile,
                evaluated_at=now,
                estimate_co2e_mg=estimate.estimate_mg,
                estimate_tco2e=tco2e_from_mg(estimate.estimate_mg),
                measured_co2e_mg=estimate.measured_mg,
                scaled_co2e_mg=estimate.scaled_mg,
                carried_co2e_mg=estimate.carried_mg,
                measured_share=float(share) if share is not None else None,
                method=estimate.method,
                inventory=result.inventory.label if result.inventory else None,
            )
            await repo.save_pace_status(
                BudgetPaceStatus(
                    city=city,
                    year=year,
                    sector=pace.sector,
                    status=pace.status,
                    ytd_co2e_mg=pace.ytd_mg,
                    ceiling_co2e_mg=pace.ceiling_mg,
                    prorated_ceiling_co2e_mg=pace.prorated_ceiling_mg,
                    profile=pace.profile,
                    changed_at=now,
                    estimate_co2e_mg=estimate.estimate_mg,
                    method=estimate.method,
                )
            )
            await outbox.add(
                session, event, key=city, subject=f"{city}/budget/{year}/{pace.sector}"
            )
            changes.append(event)
    return changes


async def evaluate_city(
    session: AsyncSession, outbox: Outbox, city: str, now: datetime
) -> list[BudgetStatusChanged]:
    """After a change of the city's target, coverage or published inventory: every sector of
    its target (a sector that had a status and no longer has any data turns ``no_data``)."""
    return await evaluate_pace(session, outbox, {city: None}, now)


async def _lock_city(session: AsyncSession, city: str) -> None:
    # Two replicas' batches for one city (different partitions) must not both see the old
    # status and both announce the change: the second waits, then sees the first's row.
    if session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(f"klimaby-budget-pace:{city}".encode())
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
