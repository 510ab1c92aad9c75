"""REST: a city's climate budget per year (write: that city's credential or an admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from services.inventory.accounting.endpoints import CityPath
from services.inventory.budget import service
from services.inventory.budget.schemas import (
    BudgetSheet,
    MeasureCreate,
    MeasurePublic,
    PaceReport,
    ProjectionWrite,
)
from services.inventory.targets.schemas import FIRST_YEAR, LAST_YEAR
from shared.auth import Principal, ensure_can_write, require_principal
from shared.db import DbSession

router = APIRouter(
    prefix="/v1/cities/{city}/budget/{year}",
    tags=["climate budget"],
)

YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Budget year")]
Writer = Annotated[Principal, Depends(require_principal)]


@router.get("", summary="Ceilings, projections, measures and the gap per sector")
async def budget_sheet(city: CityPath, year: YearPath, session: DbSession) -> BudgetSheet:
    return await service.budget_sheet(session, city, year)


@router.put(
    "/projection",
    summary="State the year's reference projection per sector (replaces the previous one)",
)
async def set_projection(
    city: CityPath, year: YearPath, data: ProjectionWrite, session: DbSession, principal: Writer
) -> BudgetSheet:
    ensure_can_write(principal, city, field="/path/city")
    await service.set_projection(session, principal, city, year, data)
    return await service.budget_sheet(session, city, year)


@router.post("/measures", status_code=201, summary="Add a measure with its expected reduction")
async def add_measure(
    city: CityPath, year: YearPath, data: MeasureCreate, session: DbSession, principal: Writer
) -> MeasurePublic:
    ensure_can_write(principal, city, field="/path/city")
    return service.measure_public(await service.add_measure(session, principal, city, year, data))


@router.get("/measures", summary="The year's measures")
async def list_measures(city: CityPath, year: YearPath, session: DbSession) -> list[MeasurePublic]:
    return [service.measure_public(m) for m in await service.list_measures(session, city, year)]


@router.delete("/measures/{measure_id}", status_code=204, summary="Remove a measure")
async def delete_measure(
    city: CityPath,
    year: YearPath,
    measure_id: Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{1,36}$")],
    session: DbSession,
    principal: Writer,
) -> Response:
    ensure_can_write(principal, city, field="/path/city")
    await service.delete_measure(session, city, year, measure_id)
    return Response(status_code=204)


@router.get(
    "/pace",
    summary="Live pace: each sector's estimate (measured, scaled, carried) against the pro-rated ceiling",
)
async def pace(city: CityPath, year: YearPath, session: DbSession) -> PaceReport:
    return await service.pace_report(session, city, year, datetime.now(UTC))
