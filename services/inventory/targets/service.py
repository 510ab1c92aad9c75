"""Setting a city's climate target and reading its trajectories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.service import get_city
from services.inventory.gpc.catalogue import SECTORS_BY_REFERENCE
from services.inventory.targets.baseline import inventory_baseline
from services.inventory.targets.models import ClimateTarget, TargetSector
from services.inventory.targets.repository import SECTOR_ORDER, TargetRepository
from services.inventory.targets.schemas import (
    SectorTargetPublic,
    SectorTrajectory,
    StatedBaseline,
    TargetCreate,
    TargetPublic,
    Trajectory,
    TrajectoryPoint,
    to_mg,
)
from services.inventory.targets.trajectory import SectorPlan, city_at, years_of
from shared.auth import Principal
from shared.events.payloads import TargetPoint, TargetSectorPlan, TargetSet
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg


@dataclass(frozen=True)
class TargetWithSectors:
    target: ClimateTarget
    sectors: Sequence[TargetSector]

    @property
    def plans(self) -> list[SectorPlan]:
        return [
            SectorPlan(
                sector=s.sector,
                baseline_mg=s.baseline_co2e_mg,
                baseline_year=self.target.baseline_year,
                target_year=s.target_year,
                reduction_percent=s.reduction_percent,
            )
            for s in self.sectors
        ]

    def ceilings(self, year: int) -> dict[str, int]:
        """Each sector's point of the trajectory in ``year``: its emission ceiling that year."""
        return {p.sector: point for p in self.plans if (point := p.at(year)) is not None}


async def set_target(
    session: AsyncSession, outbox: Outbox, principal: Principal, city: str, data: TargetCreate
) -> TargetWithSectors:
    """A new current version of the city's target; the previous one stays readable. Announced
    (target.set, with its trajectory) in the same transaction."""
    await get_city(session, city)
    baseline_year = data.baseline.year
    if data.target_year <= baseline_year:
        raise _invalid(
            "/body/target_year",
            f"the target year must come after the baseline year {baseline_year}",
        )
    if isinstance(data.baseline, StatedBaseline):
        baseline: dict[str, int] = {s: to_mg(t) for s, t in data.baseline.sectors.items()}
        inventory_ref = None
        reference = data.baseline.reference
    else:
        found = await inventory_baseline(session, city, baseline_year, data.baseline.version)
        baseline, inventory_ref, reference = found.sectors, found.inventory, found.reference

    exemptions = {}
    for i, exemption in enumerate(data.exemptions):
        where = f"/body/exemptions/{i}"
        if exemption.sector in exemptions:
            raise _invalid(f"{where}/sector", f"sector {exemption.sector} is exempted twice")
        if exemption.sector not in baseline:
            raise _invalid(
                f"{where}/sector", f"the baseline has no figure for sector {exemption.sector}"
            )
        if exemption.target_year <= data.target_year:
            raise _invalid(
                f"{where}/target_year",
                f"an exemption moves the sector's target beyond the city's {data.target_year}",
            )
        exemptions[exemption.sector] = exemption

    repo = TargetRepository(session)
    version = await repo.latest_version(city) + 1
    sectors = [
        TargetSector(
            city=city,
            version=version,
            sector=sector,
            baseline_co2e_mg=mg,
            target_year=exemptions[sector].target_year
            if sector in exemptions
            else data.target_year,
            reduction_percent=(
                exemptions[sector].reduction_percent or data.reduction_percent
                if sector in exemptions
                else data.reduction_percent
            ),
            exempted=sector in exemptions,
            exemption_reason=exemptions[sector].reason if sector in exemptions else None,
        )
        for sector, mg in sorted(baseline.items(), key=lambda kv: SECTOR_ORDER[kv[0]])
    ]
    covered = [
        SectorPlan(s.sector, s.baseline_co2e_mg, baseline_year, s.target_year, s.reduction_percent)
        for s in sectors
        if not s.exempted
    ]
    residual = sum(p.final_mg for p in covered)
    removals = to_mg(data.removals_tco2e)
    if data.net_zero and removals < residual:
        raise _invalid(
            "/body/removals_tco2e",
            f"net zero needs removals of at least the residual emissions, {tco2e_from_mg(residual):.3f} "
            f"tCO2e in {data.target_year} ({100 - data.reduction_percent}% of the baseline "
            "of the sectors without an exemption)",
        )
    target = ClimateTarget(
        city=city,
        version=version,
        baseline_year=baseline_year,
        baseline_source=data.baseline.source,
        baseline_inventory=inventory_ref,
        baseline_reference=reference,
        target_year=data.target_year,
        reduction_percent=data.reduction_percent,
        net_zero=data.net_zero,
        residual_co2e_mg=residual,
        removals_co2e_mg=removals,
        description=data.description,
        is_current=True,
        created_by=principal.actor,
        created_at=datetime.now(UTC),
    )
    await repo.retire_current(city)
    repo.add(target, sectors)
    await session.flush()
    result = TargetWithSectors(target, sectors)
    await outbox.add(
        session,
        target_set(result, previous_version=version - 1 or None),
        key=city,
        subject=f"{city}/targets/versions/{version}",
    )
    return result


def target_set(found: TargetWithSectors, previous_version: int | None) -> TargetSet:
    """The event of a target version: its figures and the trajectory this module computes, so
    that consumers (the hub) draw the same line and never re-implement the rule."""
    t = found.target
    line = trajectory(found)
    by_sector: dict[str, SectorTrajectory] = {s.sector: s for s in line.sectors}
    baseline = sum(s.baseline_co2e_mg for s in found.sectors)
    return TargetSet(
        city=t.city,
        version=t.version,
        previous_version=previous_version,
        baseline_year=t.baseline_year,
        baseline_source="inventory" if t.baseline_source == "inventory" else "stated",
        baseline_inventory=t.baseline_inventory,
        baseline_co2e_mg=baseline,
        baseline_tco2e=tco2e_from_mg(baseline),
        target_year=t.target_year,
        reduction_percent=t.reduction_percent,
        net_zero=t.net_zero,
        residual_co2e_mg=t.residual_co2e_mg,
        removals_co2e_mg=t.removals_co2e_mg,
        sectors=[
            TargetSectorPlan(
                sector=by_sector[plan.sector].sector,
                baseline_co2e_mg=plan.baseline_mg,
                target_year=plan.target_year,
                reduction_percent=plan.reduction_percent,
                target_co2e_mg=plan.final_mg,
                exempted=by_sector[plan.sector].exempted,
                trajectory=[
                    TargetPoint(year=p.year, co2e_mg=p.co2e_mg)
                    for p in by_sector[plan.sector].points
                ],
            )
            for plan in found.plans
        ],
        trajectory=[TargetPoint(year=p.year, co2e_mg=p.co2e_mg) for p in line.city_trajectory],
        set_by=t.created_by,
        set_at=t.created_at,
    )


async def current_target(session: AsyncSession, city: str) -> TargetWithSectors | None:
    repo = TargetRepository(session)
    target = await repo.current(city)
    if target is None:
        return None
    return TargetWithSectors(target, await repo.sectors(city, target.version))


async def get_target(
    session: AsyncSession, city: str, version: int | None = None
) -> TargetWithSectors:
    """The current target, or one version; 404 naming what is missing."""
    await get_city(session, city)
    repo = TargetRepository(session)
    target = await (repo.current(city) if version is None else repo.get(city, version))
    if target is None:
        if version is None:
            raise ProblemError(
                404,
                "Not Found",
                f"city '{city}' has no climate target yet (POST /v1/cities/{city}/targets)",
                kind="not-found",
                field="/path/city",
            )
        raise ProblemError(
            404,
            "Not Found",
            f"city '{city}' has no target version {version}",
            kind="not-found",
            field="/query/version",
        )
    return TargetWithSectors(target, await repo.sectors(city, target.version))


async def target_versions(session: AsyncSession, city: str) -> list[TargetWithSectors]:
    await get_city(session, city)
    repo = TargetRepository(session)
    return [
        TargetWithSectors(t, await repo.sectors(city, t.version)) for t in await repo.versions(city)
    ]


def sector_name(sector: str) -> str:
    found = SECTORS_BY_REFERENCE.get(sector)
    return found.name if found else sector


def public(found: TargetWithSectors) -> TargetPublic:
    t = found.target
    plans = {p.sector: p for p in found.plans}
    baseline = sum(s.baseline_co2e_mg for s in found.sectors)
    exempted = sum(
        point
        for s in found.sectors
        if s.exempted and (point := plans[s.sector].at(t.target_year)) is not None
    )
    return TargetPublic(
        city=t.city,
        version=t.version,
        is_current=t.is_current,
        baseline_year=t.baseline_year,
        baseline_source="inventory" if t.baseline_source == "inventory" else "stated",
        baseline_inventory=t.baseline_inventory,
        baseline_reference=t.baseline_reference,
        baseline_co2e_mg=baseline,
        baseline_tco2e=tco2e_from_mg(baseline),
        target_year=t.target_year,
        reduction_percent=t.reduction_percent,
        net_zero=t.net_zero,
        residual_co2e_mg=t.residual_co2e_mg,
        residual_tco2e=tco2e_from_mg(t.residual_co2e_mg),
        removals_co2e_mg=t.removals_co2e_mg,
        removals_tco2e=tco2e_from_mg(t.removals_co2e_mg),
        exempted_in_target_year_co2e_mg=exempted,
        sectors=[
            SectorTargetPublic(
                sector=s.sector,
                name=sector_name(s.sector),
                baseline_co2e_mg=s.baseline_co2e_mg,
                baseline_tco2e=tco2e_from_mg(s.baseline_co2e_mg),
                target_year=s.target_year,
                reduction_percent=s.reduction_percent,
                target_co2e_mg=plans[s.sector].final_mg,
                target_tco2e=tco2e_from_mg(plans[s.sector].final_mg),
                exempted=s.exempted,
                exemption_reason=s.exemption_reason,
            )
            for s in found.sectors
        ],
        description=t.description,
        created_by=t.created_by,
        created_at=t.created_at,
    )


def trajectory(found: TargetWithSectors) -> Trajectory:
    t = found.target
    plans = found.plans
    years = years_of(plans, t.target_year)
    exempted = {s.sector for s in found.sectors if s.exempted}
    return Trajectory(
        city=t.city,
        version=t.version,
        baseline_year=t.baseline_year,
        target_year=t.target_year,
        city_trajectory=[
            _point(year, mg) for year in years if (mg := city_at(plans, year)) is not None
        ],
        sectors=[
            SectorTrajectory(
                sector=p.sector,
                name=sector_name(p.sector),
                target_year=p.target_year,
                exempted=p.sector in exempted,
                points=[_point(year, mg) for year in years if (mg := p.at(year)) is not None],
            )
            for p in plans
        ],
    )


def _point(year: int, mg: int) -> TrajectoryPoint:
    return TrajectoryPoint(year=year, co2e_mg=mg, tco2e=tco2e_from_mg(mg))


def _invalid(field: str, detail: str) -> ProblemError:
    return ProblemError(422, "Invalid target", detail, kind="validation", field=field)
