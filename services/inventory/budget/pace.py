"""Live pace: is each sector's year-to-date on course for this year's emission ceiling?

The sector's ceiling for the year (its point of the target trajectory) is pro-rated to the
share of the year's emissions expected by now. That share comes from last year's live
emissions of the sector, month by month (the seasonal profile: heating weighs on winter), and
is the elapsed share of the year ("flat") when last year has no emissions in some month of
the sector (no sensors yet, or not a full year of them). Within a month the share grows
evenly. Then, with ``ratio = year-to-date / pro-rated ceiling``:

- ``on_track``  ratio ≤ 1.00 — within the budget so far;
- ``at_risk``   1.00 < ratio ≤ 1.10 — up to 10 % over;
- ``off_track`` ratio > 1.10.

A ceiling pro-rated to zero (a net-zero year) is on track only with zero emissions.

**When** it is evaluated: in the accounting consumer's transaction, after each batch, for the
cities and sectors whose current-year figures the batch changed (one query for the city's
target, one for at most 24 monthly roll-up rows per cell, one for the stored statuses), after a
factor revision or a new factor changed accounted emissions, and when the city's target
changes. A status that differs from the stored one is stored and announced with
``budget.status_changed`` through the outbox, in that same transaction. The pace read from the
API is always computed afresh.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import sector_of
from services.inventory.accounting.repository import AccountingRepository
from services.inventory.budget.models import BudgetPaceStatus
from services.inventory.budget.repository import BudgetRepository
from services.inventory.targets.service import TargetWithSectors, current_target
from shared.events.payloads import BudgetStatusChanged, PaceStatus
from shared.messaging.outbox import Outbox

AT_RISK_ABOVE = Fraction(1)
OFF_TRACK_ABOVE = Fraction(11, 10)

Profile = Literal["seasonal", "flat"]


def year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC)


def month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def status_of(ytd_mg: int, prorated_ceiling_mg: int) -> PaceStatus:
    if prorated_ceiling_mg <= 0:
        return "on_track" if ytd_mg <= 0 else "off_track"
    ratio = Fraction(ytd_mg, prorated_ceiling_mg)
    if ratio <= AT_RISK_ABOVE:
        return "on_track"
    if ratio <= OFF_TRACK_ABOVE:
        return "at_risk"
    return "off_track"


def expected_share(
    year: int, as_of: datetime, last_year: Sequence[int] | None
) -> tuple[Fraction, Profile]:
    """The share of ``year``'s emissions expected by ``as_of`` (1 once the year is over).

    ``last_year`` is the previous year's emissions per month (January first); a seasonal
    profile needs every month above zero, else the share is the elapsed share of the year.
    """
    seasonal = (
        bool(last_year) and len(last_year or ()) == 12 and all(mg > 0 for mg in last_year or ())
    )
    profile: Profile = "seasonal" if seasonal else "flat"
    as_of = as_of.astimezone(UTC)
    if as_of >= year_start(year + 1):
        return Fraction(1), profile
    if as_of <= year_start(year):
        return Fraction(0), profile
    month = as_of.month
    start, end = month_start(year, month), month_start(year, month + 1)
    into_month = Fraction(int((as_of - start).total_seconds()), int((end - start).total_seconds()))
    if seasonal and last_year is not None:
        before = sum(last_year[: month - 1])
        return (before + last_year[month - 1] * into_month) / sum(last_year), profile
    elapsed = (as_of - year_start(year)).total_seconds()
    length = (year_start(year + 1) - year_start(year)).total_seconds()
    return Fraction(int(elapsed), int(length)), profile


@dataclass(frozen=True)
class SectorPace:
    sector: str
    ytd_mg: int
    ceiling_mg: int
    prorated_ceiling_mg: int
    share: Fraction
    profile: Profile
    status: PaceStatus

    @property
    def ratio(self) -> float | None:
        if self.prorated_ceiling_mg <= 0:
            return None
        return self.ytd_mg / self.prorated_ceiling_mg

    @property
    def projected_year_end_mg(self) -> int | None:
        """The year-to-date scaled to a whole year by the same profile."""
        if self.share <= 0:
            return None
        return round(self.ytd_mg / self.share)


async def compute_pace(
    session: AsyncSession,
    city: str,
    target: TargetWithSectors,
    year: int,
    as_of: datetime,
    sectors: Iterable[str] | None = None,
) -> list[SectorPace]:
    """Pace of the target's sectors (or of ``sectors`` among them) in ``year`` at ``as_of``."""
    ceilings = target.ceilings(year)
    wanted = [s.sector for s in target.sectors if s.sector in ceilings]
    if sectors is not None:
        chosen = set(sectors)
        wanted = [s for s in wanted if s in chosen]
    if not wanted:
        return []
    months = await AccountingRepository(session).months(
        city, year_start(year - 1), year_start(year + 1)
    )
    ytd: dict[str, int] = defaultdict(int)
    last_year: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for row in months:
        sector = sector_of(row.gpc_reference)
        month = row.month.astimezone(UTC)
        if month.year == year:
            ytd[sector] += row.co2e_mg
        else:
            last_year[sector][month.month - 1] += row.co2e_mg
    paces = []
    for sector in wanted:
        share, profile = expected_share(year, as_of, last_year.get(sector))
        prorated = round(ceilings[sector] * share)
        paces.append(
            SectorPace(
                sector=sector,
                ytd_mg=ytd[sector],
                ceiling_mg=ceilings[sector],
                prorated_ceiling_mg=prorated,
                share=share,
                profile=profile,
                status=status_of(ytd[sector], prorated),
            )
        )
    return paces


async def evaluate_pace(
    session: AsyncSession,
    outbox: Outbox,
    sectors_by_city: Mapping[str, Iterable[str]],
    now: datetime,
) -> list[BudgetStatusChanged]:
    """Re-evaluate this year's pace of the given sectors; store and announce the changes."""
    changes: list[BudgetStatusChanged] = []
    year = now.astimezone(UTC).year
    for city in sorted(sectors_by_city):
        target = await current_target(session, city)
        if target is None:
            continue
        await _lock_city(session, city)
        paces = await compute_pace(session, city, target, year, now, sectors_by_city[city])
        if not paces:
            continue
        repo = BudgetRepository(session)
        stored = await repo.pace_statuses(city, year)
        for pace in paces:
            previous = stored.get(pace.sector)
            if previous is not None and previous.status == pace.status:
                continue
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
    """After a target change: every sector of the city that has live emissions this year."""
    year = now.astimezone(UTC).year
    months = await AccountingRepository(session).months(
        city, year_start(year), year_start(year + 1)
    )
    sectors = {sector_of(m.gpc_reference) for m in months}
    if not sectors:
        return []
    return await evaluate_pace(session, outbox, {city: sectors}, now)


async def _lock_city(session: AsyncSession, city: str) -> None:
    # Two replicas' batches for one city (different partitions) must not both see the old
    # status and both announce the change: the second waits, then sees the first's row.
    if session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(f"klimaby-budget-pace:{city}".encode())
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
