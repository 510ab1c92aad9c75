"""The city and national views, built from the projection's tables.

Every figure is what the events said: a sector without a pace evaluation is ``no_data``
(never on track), a city without population data has no per-capita figure, a city without a
later inventory than its baseline has no share cut yet.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.progress import service
from services.hub.progress.models import (
    CityAction,
    CityMilestone,
    CityProgress,
    CityTarget,
    InventoryYear,
    LiveMonth,
    SectorPace,
)
from services.hub.progress.population import population
from services.hub.progress.repository import CityProgressRepository, ContextRepository
from services.hub.progress.schemas import (
    ActionPublic,
    ActionsSummary,
    Baseline,
    BaselineCutEstimate,
    CityContext,
    InventoryYearPublic,
    LiveYear,
    Milestone,
    MonthLive,
    NationalCity,
    NationalView,
    PopulationPublic,
    SectorLive,
    TrajectoryPoint,
)
from shared.localtime import local_year
from shared.quantities import tco2e_from_mg

ON_COURSE = frozenset(
    {"on_course", "on_track", "in_progress", "ongoing", "started", "completed", "done"}
)
BEHIND = frozenset({"behind", "delayed", "off_track", "at_risk", "stalled", "late"})

NATIONAL_BASIS = (
    "Each city's newest published inventory (the total of its level, GWP set as published), "
    "per resident by SSB's population (table 07459) of the inventory year, or of the nearest "
    "earlier year with a verified figure; this year's live figure per resident by the newest "
    "verified population; the share cut against the city's baseline (its target's, else its "
    "first published inventory), by the "
    "newest published inventory after the baseline year, or else marked as an estimate: this "
    "year's budget estimate so far against the baseline pro-rated to the same point of the year."
)


def progress_of(status: str) -> str:
    if status in ON_COURSE:
        return "on_course"
    if status in BEHIND:
        return "behind"
    return "other"


def _population(city: str, year: int) -> PopulationPublic | None:
    found = population(city, year)
    return (
        PopulationPublic(year=found.year, count=found.count, source=found.source) if found else None
    )


def per_capita_mg(co2e_mg: int, people: PopulationPublic | None) -> int | None:
    if people is None or people.count <= 0:
        return None
    return int((Decimal(co2e_mg) / people.count).to_integral_value(ROUND_HALF_UP))


def _tonnes(mg: int | None) -> Decimal | None:
    return None if mg is None else tco2e_from_mg(mg)


def inventory_public(city: str, row: InventoryYear) -> InventoryYearPublic:
    people = _population(city, row.year)
    sectors = json.loads(row.sectors)
    return InventoryYearPublic(
        year=row.year,
        version=row.version,
        level=row.level,
        gwp_set=row.gwp_set,
        total_tco2e=tco2e_from_mg(row.total_co2e_mg),
        territorial_tco2e=tco2e_from_mg(row.territorial_co2e_mg),
        sectors={s: tco2e_from_mg(int(mg)) for s, mg in sorted(sectors.items())},
        population=people,
        per_capita_tco2e=_tonnes(per_capita_mg(row.total_co2e_mg, people)),
        published_at=row.published_at,
    )


def baseline_of(
    target: CityTarget | None, inventories: Sequence[InventoryYear]
) -> tuple[int, int, str] | None:
    """(year, mg, source): the target's baseline, else the first published inventory."""
    by_year = {row.year: row for row in inventories}
    if target is not None:
        mg = target.baseline_co2e_mg
        if mg is None and target.baseline_year in by_year:
            mg = by_year[target.baseline_year].total_co2e_mg
        if mg is not None:
            return target.baseline_year, mg, "target"
    if inventories:
        first = min(inventories, key=lambda row: row.year)
        return first.year, first.total_co2e_mg, "first_published_inventory"
    return None


def cut_share(baseline: tuple[int, int, str] | None, latest: InventoryYear | None) -> str | None:
    if baseline is None or latest is None or latest.year <= baseline[0] or baseline[1] <= 0:
        return None
    share = (Decimal(baseline[1] - latest.total_co2e_mg) / baseline[1]).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return str(share)


def cut_estimate(
    target: CityTarget | None, paces: Sequence[SectorPace], year: int
) -> BaselineCutEstimate | None:
    """This year's estimate so far against the target's baseline pro-rated to the same point
    of the year: each sector's baseline x (its pro-rated ceiling / its ceiling), the share of
    the year's emissions its budget expects by now. None unless every sector with a baseline
    has a pace with an estimate this year (a sector without data is not counted as cut) and
    some of the estimate is measured."""
    if target is None or target.baseline_sectors is None or year <= target.baseline_year:
        return None
    baseline = {s: int(mg) for s, mg in json.loads(target.baseline_sectors).items()}
    year_paces = {p.sector: p for p in paces if p.year == year}
    estimate, so_far, used = 0, Fraction(0), []
    for sector, mg in baseline.items():
        pace = year_paces.get(sector)
        if pace is None or pace.status == "no_data" or pace.estimate_co2e_mg is None:
            if mg > 0:
                return None
            continue
        if pace.ceiling_co2e_mg <= 0:
            if mg > 0:
                return None  # a zero ceiling says nothing of how far into the year we are
        else:
            so_far += Fraction(mg * pace.prorated_ceiling_co2e_mg, pace.ceiling_co2e_mg)
        estimate += pace.estimate_co2e_mg
        used.append(pace)
    if so_far <= 0 or not used:
        return None
    if not any(_measured(p) for p in used):
        # Nothing measured this year: the estimate is the published inventory carried over
        # (the baseline itself, often), which says nothing of a cut.
        return None
    share = 1 - Fraction(estimate) / so_far
    rounded = (Decimal(share.numerator) / share.denominator).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return BaselineCutEstimate(
        year=year,
        share=str(rounded.copy_abs() if rounded == 0 else rounded),
        estimate_tco2e=tco2e_from_mg(estimate),
        baseline_so_far_tco2e=tco2e_from_mg(round(so_far)),
        evaluated_at=min(p.evaluated_at for p in used),
    )


def _measured(pace: SectorPace) -> bool:
    share = pace.measured_share
    return share is not None and Decimal(share) > 0


def trajectory_of(target: CityTarget | None, paces: Sequence[SectorPace]) -> list[TrajectoryPoint]:
    """The target's trajectory as the inventory computed it (target.set); without one, the
    climate budget's ceilings summed per year."""
    if target is not None and target.trajectory:
        return [
            TrajectoryPoint(year=int(year), tco2e=tco2e_from_mg(int(mg)), source="target")
            for year, mg in json.loads(target.trajectory)
        ]
    ceilings: Counter[int] = Counter()
    for pace in paces:
        ceilings[pace.year] += pace.ceiling_co2e_mg
    return [
        TrajectoryPoint(year=year, tco2e=tco2e_from_mg(mg), source="budget")
        for year, mg in sorted(ceilings.items())
    ]


def actions_summary(actions: Sequence[CityAction]) -> ActionsSummary:
    items = [
        ActionPublic(
            action_id=a.action_id,
            title=a.title,
            status=a.status,
            progress=progress_of(a.status),
            sector=a.sector,
            updated_at=a.updated_at,
        )
        for a in actions
    ]
    progress = Counter(item.progress for item in items)
    return ActionsSummary(
        total=len(items),
        on_course=progress["on_course"],
        behind=progress["behind"],
        other=progress["other"],
        by_status=dict(sorted(Counter(item.status for item in items).items())),
        items=items,
    )


def covered_sectors(
    inventories: Sequence[InventoryYear], baseline: tuple[int, int, str] | None
) -> set[str]:
    """The GPC sectors a city's budget covers, as far as the hub can see: the target's ceilings
    are set per sector of the baseline inventory, so the sectors with emissions in the baseline
    year's published inventory (the newest inventory when the hub has not seen that year)."""
    by_year = {row.year: row for row in inventories}
    source = by_year.get(baseline[0]) if baseline else None
    if source is None and inventories:
        source = max(inventories, key=lambda r: r.year)
    if source is None:
        return set()
    return {sector for sector, mg in json.loads(source.sectors).items() if int(mg) > 0}


def live_year(
    row: CityProgress,
    year: int,
    months: Sequence[LiveMonth],
    paces: Sequence[SectorPace],
    covered: set[str] | frozenset[str] = frozenset(),
) -> LiveYear:
    """This year's live figures by sector: every sector the budget covers, has a pace or was
    measured is listed; one without a pace evaluation is ``no_data`` (never on track)."""

    live: Counter[str] = Counter()
    readings: Counter[str] = Counter()
    by_month: Counter[int] = Counter()
    for m in months:
        live[m.sector] += m.co2e_mg
        readings[m.sector] += m.readings
        by_month[m.month] += m.co2e_mg
    year_paces = {p.sector: p for p in paces if p.year == year}
    sectors = []
    for sector in sorted(set(live) | set(year_paces) | set(covered), key=_sector_order):
        pace = year_paces.get(sector)
        sectors.append(
            SectorLive(
                sector=sector,
                live_tco2e=tco2e_from_mg(live[sector]),
                readings=readings[sector],
                status=pace.status if pace else "no_data",
                estimate_tco2e=_tonnes(
                    pace.ytd_co2e_mg if pace.estimate_co2e_mg is None else pace.estimate_co2e_mg
                )
                if pace
                else None,
                ceiling_tco2e=_tonnes(pace.ceiling_co2e_mg) if pace else None,
                prorated_ceiling_tco2e=_tonnes(pace.prorated_ceiling_co2e_mg) if pace else None,
                profile=pace.profile if pace else None,
                measured_share=pace.measured_share if pace else None,
                method=pace.method if pace else None,
                evaluated_at=pace.evaluated_at if pace else None,
            )
        )
    ceiling = sum(p.ceiling_co2e_mg for p in year_paces.values()) if year_paces else None
    cumulative = 0
    month_rows = []
    for month in range(1, 13):
        cumulative += by_month[month]
        month_rows.append(
            MonthLive(
                month=month,
                tco2e=tco2e_from_mg(by_month[month]),
                cumulative_tco2e=tco2e_from_mg(cumulative),
                ceiling_cumulative_tco2e=_tonnes(
                    None if ceiling is None else ceiling * month // 12
                ),
            )
        )
    total = sum(live.values())
    people = _population(row.city, year)
    return LiveYear(
        year=year,
        time_zone=row.zone,
        live_tco2e=tco2e_from_mg(total),
        readings=sum(readings.values()),
        per_capita_tco2e=_tonnes(per_capita_mg(total, people)),
        population=people,
        ceiling_tco2e=_tonnes(ceiling),
        sectors=sectors,
        months=month_rows,
    )


def _sector_order(sector: str) -> tuple[int, str]:
    order = {s: n for n, s in enumerate(service.SECTORS)}
    return order.get(sector, len(order)), sector


def _milestone(milestones: Sequence[CityMilestone], kind: str) -> Milestone | None:
    for m in milestones:
        if m.kind == kind:
            return Milestone(state=m.state, updated_at=m.updated_at)
    return None


async def city_context(
    session: AsyncSession, city: str, now: datetime | None = None
) -> CityContext:
    row = await service.get_city(session, city)
    repo = ContextRepository(session)
    year = local_year(now or datetime.now(UTC), row.zone)
    inventories = await repo.inventories(city)
    paces = await repo.paces(city)
    target = (await repo.targets()).get(city)
    milestones = await repo.milestones(city)
    baseline = baseline_of(target, inventories)
    latest = max(inventories, key=lambda r: r.year) if inventories else None
    return CityContext(
        city=row.city,
        name=row.name,
        mission_city=row.mission_city,
        time_zone=row.zone,
        inventories=[inventory_public(city, r) for r in inventories],
        baseline=Baseline(
            year=baseline[0],
            tco2e=tco2e_from_mg(baseline[1]),
            source=baseline[2],
            inventory=target.baseline_inventory if target and baseline[2] == "target" else None,
            target_version=target.version if target and baseline[2] == "target" else None,
        )
        if baseline
        else None,
        latest_inventory_year=latest.year if latest else None,
        baseline_cut_share=cut_share(baseline, latest),
        baseline_cut_estimate=cut_estimate(target, paces, year),
        live=live_year(
            row,
            year,
            await repo.live_months(city, year),
            paces,
            covered_sectors(inventories, baseline),
        ),
        trajectory=trajectory_of(target, paces),
        actions=actions_summary(await repo.actions(city)),
        label=_milestone(milestones, "label"),
        contract=_milestone(milestones, "ccc"),
        partners=row.partners,
        mous_drafted=row.mous_drafted,
        mous_signed=row.mous_signed,
        co2e_mg=row.co2e_mg,
    )


async def national(session: AsyncSession, now: datetime | None = None) -> NationalView:
    repo = ContextRepository(session)
    rows = await CityProgressRepository(session).list()
    inventories: dict[str, list[InventoryYear]] = {}
    for inv in await repo.inventories():
        inventories.setdefault(inv.city, []).append(inv)
    paces: dict[str, list[SectorPace]] = {}
    for pace in await repo.paces():
        paces.setdefault(pace.city, []).append(pace)
    actions: dict[str, list[CityAction]] = {}
    for action in await repo.actions():
        actions.setdefault(action.city, []).append(action)
    labels = {m.city: m.state for m in await repo.milestones() if m.kind == "label"}
    targets = await repo.targets()
    months: dict[str, list[LiveMonth]] = {}
    for month in await repo.live_months(None):
        months.setdefault(month.city, []).append(month)
    cities = []
    for row in rows:
        year = local_year(now or datetime.now(UTC), row.zone)
        own = inventories.get(row.city, [])
        latest = max(own, key=lambda r: r.year) if own else None
        latest_people = _population(row.city, latest.year) if latest else None
        target = targets.get(row.city)
        baseline = baseline_of(target, own)
        estimate = cut_estimate(target, paces.get(row.city, []), year)
        live_mg = sum(m.co2e_mg for m in months.get(row.city, []) if m.year == year)
        year_paces = [p for p in paces.get(row.city, []) if p.year == year]
        sectors_with_live = {m.sector for m in months.get(row.city, []) if m.year == year}
        summary = actions_summary(actions.get(row.city, []))
        cities.append(
            NationalCity(
                city=row.city,
                name=row.name,
                mission_city=row.mission_city,
                latest_inventory_year=latest.year if latest else None,
                latest_inventory_tco2e=_tonnes(latest.total_co2e_mg) if latest else None,
                per_capita_tco2e=_tonnes(per_capita_mg(latest.total_co2e_mg, latest_people))
                if latest
                else None,
                population_year=latest_people.year if latest_people else None,
                baseline_cut_share=cut_share(baseline, latest),
                baseline_cut_estimate_share=estimate.share if estimate else None,
                baseline_cut_estimate_year=estimate.year if estimate else None,
                live_tco2e=tco2e_from_mg(live_mg),
                live_per_capita_tco2e=_tonnes(per_capita_mg(live_mg, _population(row.city, year))),
                sectors_off_track=sum(1 for p in year_paces if p.status == "off_track"),
                sectors_no_data=len(
                    (sectors_with_live | covered_sectors(own, baseline))
                    - {p.sector for p in year_paces}
                )
                + sum(1 for p in year_paces if p.status == "no_data"),
                actions_on_course=summary.on_course,
                actions_behind=summary.behind,
                label_state=labels.get(row.city),
            )
        )
    return NationalView(basis=NATIONAL_BASIS, cities=cities)
