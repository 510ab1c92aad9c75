"""REST: a city's coverage statements (read: public; write: that city's credential or an
admin). A change re-evaluates the budget's pace of the city at once."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.endpoints import CityPath
from services.inventory.budget.pace import evaluate_city
from services.inventory.cities.service import get_city
from services.inventory.coverage import service
from services.inventory.coverage.models import WHOLE_CELL, CoverageStatement
from services.inventory.coverage.repository import CoverageRepository
from services.inventory.coverage.schemas import (
    CellCoveragePublic,
    CityCoverage,
    CoverageStatementPublic,
    CoverageWrite,
    GroupCoveragePublic,
)
from services.inventory.gpc.catalogue import CELL_REFERENCES
from shared.auth import Principal, ensure_can_write, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/cities/{city}/coverage", tags=["coverage"])

CellPath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9.]{1,16}$",
        description="A GPC cell, e.g. I.2.2",
        json_schema_extra={"enum": CELL_REFERENCES},
    ),
]
GroupPath = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._-]{1,100}$",
        description="A sensors' coverage_group, or one sensor's id",
    ),
]
Writer = Annotated[Principal, Depends(require_principal)]


def statement_public(s: CoverageStatement) -> CoverageStatementPublic:
    return CoverageStatementPublic(
        city=s.city,
        gpc_reference=s.gpc_reference,
        sensor_group=s.sensor_group or None,
        share=Decimal(s.share).quantize(Decimal("1e-9")),
        source=s.source,
        updated_by=s.updated_by,
        updated_at=s.updated_at,
    )


def _decimal(share: Fraction | None) -> Decimal | None:
    if share is None:
        return None
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("1e-9"))


async def _cells(
    session: AsyncSession, city: str, only: str | None = None
) -> list[CellCoveragePublic]:
    await get_city(session, city)
    repo = CoverageRepository(session)
    statements = await repo.statements(city, only)
    declarations = await repo.declarations(city, only)
    by_key = {(s.gpc_reference, s.sensor_group): s for s in statements}
    sensors: dict[str, list[str]] = defaultdict(list)
    for d in declarations:
        sensors[d.gpc_reference].append(d.sensor_id)
    refs = sorted(
        {s.gpc_reference for s in statements} | set(sensors) | ({only} if only else set())
    )
    by_sensor = {d.sensor_id: d for d in declarations}
    cells = []
    for ref in refs:
        c = service.cell_coverage(ref, sensors.get(ref, []), by_key, by_sensor)
        cells.append(
            CellCoveragePublic(
                gpc_reference=ref,
                share=_decimal(c.share),
                basis=c.basis,
                groups=[
                    GroupCoveragePublic(
                        group=g.group,
                        share=_decimal(g.share),
                        basis=g.basis,
                        sensors=list(g.sensors),
                    )
                    for g in c.groups
                ],
                uncovered_sensors=list(c.uncovered_sensors),
                statements=[statement_public(s) for s in statements if s.gpc_reference == ref],
            )
        )
    return cells


@router.get("", summary="Coverage of the city's cells: statements, sensor groups, shares")
async def city_coverage(city: CityPath, session: DbSession) -> CityCoverage:
    return CityCoverage(city=city, cells=await _cells(session, city))


@router.get("/{gpc_reference}", summary="Coverage of one GPC cell")
async def cell_coverage(
    city: CityPath, gpc_reference: CellPath, session: DbSession
) -> CellCoveragePublic:
    service.known_cell(gpc_reference)
    return (await _cells(session, city, gpc_reference))[0]


async def _state(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    city: str,
    gpc_reference: str,
    group: str,
    data: CoverageWrite,
) -> CoverageStatementPublic:
    ensure_can_write(principal, city, field="/path/city")
    now = datetime.now(UTC)
    statement = await service.state_coverage(
        session, principal, city, gpc_reference, group, data.share, data.source, now
    )
    await evaluate_city(session, request.app.state.outbox, city, now)
    return statement_public(statement)


async def _withdraw(
    request: Request, session: AsyncSession, principal: Principal, city: str, ref: str, group: str
) -> Response:
    ensure_can_write(principal, city, field="/path/city")
    await service.withdraw_coverage(session, city, ref, group)
    await evaluate_city(session, request.app.state.outbox, city, datetime.now(UTC))
    return Response(status_code=204)


@router.put(
    "/{gpc_reference}",
    summary="State the share of the cell's activity that all its sensors together measure",
)
async def state_cell_coverage(
    city: CityPath,
    gpc_reference: CellPath,
    data: CoverageWrite,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> CoverageStatementPublic:
    return await _state(request, session, principal, city, gpc_reference, WHOLE_CELL, data)


@router.delete("/{gpc_reference}", status_code=204, summary="Withdraw the cell's statement")
async def withdraw_cell_coverage(
    city: CityPath,
    gpc_reference: CellPath,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> Response:
    return await _withdraw(request, session, principal, city, gpc_reference, WHOLE_CELL)


@router.put(
    "/{gpc_reference}/groups/{group}",
    summary="State the share of the cell's activity that one sensor group measures",
)
async def state_group_coverage(
    city: CityPath,
    gpc_reference: CellPath,
    group: GroupPath,
    data: CoverageWrite,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> CoverageStatementPublic:
    return await _state(request, session, principal, city, gpc_reference, group, data)


@router.delete(
    "/{gpc_reference}/groups/{group}", status_code=204, summary="Withdraw a group's statement"
)
async def withdraw_group_coverage(
    city: CityPath,
    gpc_reference: CellPath,
    group: GroupPath,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> Response:
    return await _withdraw(request, session, principal, city, gpc_reference, group)
