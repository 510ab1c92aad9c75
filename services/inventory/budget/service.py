"""The climate budget of a year: ceilings from the target trajectory, projections, measures,
the gap, and the live pace."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.budget.estimate import CellEstimate
from services.inventory.budget.models import BudgetMeasure, BudgetProjection
from services.inventory.budget.pace import (
    AT_RISK_ABOVE,
    OFF_TRACK_ABOVE,
    SectorPace,
    compute_pace,
)
from services.inventory.budget.repository import BudgetRepository
from services.inventory.budget.schemas import (
    BudgetLine,
    BudgetSheet,
    CellEstimatePublic,
    MeasureCreate,
    MeasurePublic,
    PaceReport,
    ProjectionWrite,
    SectorBudget,
    SectorPacePublic,
)
from services.inventory.cities.service import get_city, time_zone_of
from services.inventory.contract_actions.service import check_reference
from services.inventory.targets.schemas import to_mg
from services.inventory.targets.service import TargetWithSectors, current_target, sector_name
from shared.auth import Principal
from shared.localtime import local_year, year_start
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg

THRESHOLDS = {
    "on_track": f"estimate ≤ {float(AT_RISK_ABOVE):.2f} x the pro-rated ceiling",
    "at_risk": f"up to {float(OFF_TRACK_ABOVE):.2f} x the pro-rated ceiling",
    "off_track": f"above {float(OFF_TRACK_ABOVE):.2f} x the pro-rated ceiling",
    "no_data": "neither live data nor a figure in a published inventory",
}


async def budget_target(
    session: AsyncSession, city: str, year: int, *, writing: bool = False
) -> TargetWithSectors:
    """The current target, whose trajectory gives ``year`` its ceilings."""
    await get_city(session, city)
    target = await current_target(session, city)
    if target is None:
        raise ProblemError(
            409 if writing else 404,
            "Conflict" if writing else "Not Found",
            f"city '{city}' has no climate target: its budget's ceilings come from the target's "
            f"trajectory (POST /v1/cities/{city}/targets)",
            kind="conflict" if writing else "not-found",
            field="/path/city",
        )
    if year < target.target.baseline_year:
        raise ProblemError(
            422,
            "Year before the baseline",
            f"the trajectory starts in the baseline year {target.target.baseline_year}",
            kind="validation",
            field="/path/year",
        )
    return target


def _sector_in_target(target: TargetWithSectors, sector: str, field: str) -> None:
    if sector not in {s.sector for s in target.sectors}:
        raise ProblemError(
            422,
            "Sector without a ceiling",
            f"the city's target has no baseline for sector {sector}, so no ceiling",
            kind="validation",
            field=field,
        )


async def set_projection(
    session: AsyncSession, principal: Principal, city: str, year: int, data: ProjectionWrite
) -> None:
    """Replace the year's stated reference projection."""
    target = await budget_target(session, city, year, writing=True)
    for sector in data.sectors:
        _sector_in_target(target, sector, f"/body/sectors/{sector}")
    now = datetime.now(UTC)
    await BudgetRepository(session).replace_projections(
        city,
        year,
        [
            BudgetProjection(
                city=city,
                year=year,
                sector=sector,
                projected_co2e_mg=to_mg(tonnes),
                source=data.source,
                updated_by=principal.actor,
                updated_at=now,
            )
            for sector, tonnes in data.sectors.items()
        ],
    )
    await session.flush()


async def add_measure(
    session: AsyncSession, principal: Principal, city: str, year: int, data: MeasureCreate
) -> BudgetMeasure:
    target = await budget_target(session, city, year, writing=True)
    _sector_in_target(target, data.sector, "/body/sector")
    if data.contract_action_id is not None:
        await check_reference(session, city, data.contract_action_id)
    measure = BudgetMeasure(
        id=str(uuid.uuid4()),
        city=city,
        year=year,
        sector=data.sector,
        name=data.name,
        description=data.description,
        expected_reduction_co2e_mg=to_mg(data.expected_reduction_tco2e),
        contract_action_id=data.contract_action_id,
        responsible=data.responsible,
        created_by=principal.actor,
        created_at=datetime.now(UTC),
    )
    BudgetRepository(session).add_measure(measure)
    await session.flush()
    return measure


async def list_measures(session: AsyncSession, city: str, year: int) -> list[BudgetMeasure]:
    await get_city(session, city)
    return list(await BudgetRepository(session).measures(city, year))


async def delete_measure(session: AsyncSession, city: str, year: int, measure_id: str) -> None:
    await get_city(session, city)
    repo = BudgetRepository(session)
    measure = await repo.measure(measure_id)
    if measure is None or measure.city != city or measure.year != year:
        raise ProblemError(
            404,
            "Not Found",
            f"no measure '{measure_id}' in the budget of {city} for {year}",
            kind="not-found",
            field="/path/measure_id",
        )
    await repo.delete_measure(measure)
    await session.flush()


async def budget_sheet(session: AsyncSession, city: str, year: int) -> BudgetSheet:
    target = await budget_target(session, city, year)
    repo = BudgetRepository(session)
    ceilings = target.ceilings(year)
    projections = {p.sector: p for p in await repo.projections(city, year)}
    measures = await repo.measures(city, year)
    cut: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for m in measures:
        cut[m.sector] += m.expected_reduction_co2e_mg
        count[m.sector] += 1
    sectors = []
    for s in target.sectors:
        stated = projections.get(s.sector)
        projected = stated.projected_co2e_mg if stated else s.baseline_co2e_mg
        sectors.append(
            SectorBudget(
                sector=s.sector,
                name=sector_name(s.sector),
                projection_basis="stated" if stated else "baseline",
                exempted=s.exempted,
                measures=count[s.sector],
                **_line(ceilings[s.sector], projected, cut[s.sector]).model_dump(),
            )
        )
    total = _line(
        sum(x.ceiling_co2e_mg for x in sectors),
        sum(x.projected_co2e_mg for x in sectors),
        sum(x.measures_co2e_mg for x in sectors),
    )
    sources = {p.source for p in projections.values() if p.source}
    return BudgetSheet(
        city=city,
        year=year,
        target_version=target.target.version,
        projection_source="; ".join(sorted(sources)) or None,
        total=total,
        sectors=sectors,
        measures=[measure_public(m) for m in measures],
    )


def _line(ceiling: int, projected: int, measures: int) -> BudgetLine:
    after = projected - measures
    gap = after - ceiling
    return BudgetLine(
        ceiling_co2e_mg=ceiling,
        ceiling_tco2e=tco2e_from_mg(ceiling),
        projected_co2e_mg=projected,
        projected_tco2e=tco2e_from_mg(projected),
        measures_co2e_mg=measures,
        measures_tco2e=tco2e_from_mg(measures),
        projected_after_measures_co2e_mg=after,
        projected_after_measures_tco2e=tco2e_from_mg(after),
        gap_co2e_mg=gap,
        gap_tco2e=tco2e_from_mg(gap),
    )


def measure_public(m: BudgetMeasure) -> MeasurePublic:
    return MeasurePublic(
        id=m.id,
        city=m.city,
        year=m.year,
        sector=m.sector,
        name=m.name,
        description=m.description,
        expected_reduction_co2e_mg=m.expected_reduction_co2e_mg,
        expected_reduction_tco2e=tco2e_from_mg(m.expected_reduction_co2e_mg),
        contract_action_id=m.contract_action_id,
        responsible=m.responsible,
        created_by=m.created_by,
        created_at=m.created_at,
    )


async def pace_report(session: AsyncSession, city: str, year: int, now: datetime) -> PaceReport:
    target = await budget_target(session, city, year)
    tz = await time_zone_of(session, city)
    if year > local_year(now, tz):
        raise ProblemError(
            422,
            "Year not begun",
            f"{year} has no live emissions yet",
            kind="validation",
            field="/path/year",
        )
    as_of = min(now, year_start(year + 1, tz))
    result = await compute_pace(session, city, target, year, as_of)
    stored = await BudgetRepository(session).pace_statuses(city, year)
    return PaceReport(
        city=city,
        year=year,
        time_zone=result.time_zone,
        as_of=as_of,
        target_version=target.target.version,
        inventory=result.inventory.label if result.inventory else None,
        thresholds=THRESHOLDS,
        sectors=[
            _sector_pace(
                p,
                stored[p.sector].changed_at
                if p.sector in stored and stored[p.sector].status == p.status
                else None,
            )
            for p in result.sectors
        ],
    )


def _sector_pace(p: SectorPace, since: datetime | None) -> SectorPacePublic:
    e = p.estimate
    share = e.measured_share
    return SectorPacePublic(
        sector=p.sector,
        name=sector_name(p.sector),
        status=p.status,
        status_since=since,
        has_live_data=any(c.inputs.has_live_data for c in e.cells),
        ytd_co2e_mg=p.ytd_mg,
        ytd_tco2e=tco2e_from_mg(p.ytd_mg),
        estimate_co2e_mg=e.estimate_mg,
        estimate_tco2e=tco2e_from_mg(e.estimate_mg),
        measured_co2e_mg=e.measured_mg,
        measured_tco2e=tco2e_from_mg(e.measured_mg),
        scaled_co2e_mg=e.scaled_mg,
        scaled_tco2e=tco2e_from_mg(e.scaled_mg),
        carried_co2e_mg=e.carried_mg,
        carried_tco2e=tco2e_from_mg(e.carried_mg),
        measured_share=float(share) if share is not None else None,
        method=e.method,
        cells=[_cell(c) for c in e.cells],
        ceiling_co2e_mg=p.ceiling_mg,
        ceiling_tco2e=tco2e_from_mg(p.ceiling_mg),
        prorated_ceiling_co2e_mg=p.prorated_ceiling_mg,
        prorated_ceiling_tco2e=tco2e_from_mg(p.prorated_ceiling_mg),
        expected_share=float(p.share),
        profile=p.profile,
        ratio=p.ratio,
        projected_year_end_co2e_mg=p.projected_year_end_mg,
    )


def _cell(c: CellEstimate) -> CellEstimatePublic:
    i = c.inputs
    return CellEstimatePublic(
        gpc_reference=c.gpc_reference,
        method=c.method,
        has_live_data=i.has_live_data,
        sensors=i.sensors,
        measured_co2e_mg=c.measured_mg,
        measured_tco2e=tco2e_from_mg(c.measured_mg),
        estimate_co2e_mg=c.estimate_mg,
        estimate_tco2e=tco2e_from_mg(c.estimate_mg),
        inventory_co2e_mg=i.inventory_mg,
        inventory_tco2e=tco2e_from_mg(i.inventory_mg) if i.inventory_mg is not None else None,
        activity_ratio=float(i.activity_ratio) if i.activity_ratio is not None else None,
        coverage_share=float(i.coverage) if i.coverage is not None else None,
        uncovered_sensors=list(i.uncovered_sensors),
    )
