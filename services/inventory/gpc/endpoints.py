"""REST: the GPC reference catalogue (public, static)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.inventory.gpc.catalogue import (
    CELLS,
    CELLS_BY_REFERENCE,
    LEVELS,
    SECTORS,
    SUBSECTORS,
    Cell,
    CellLevel,
    Level,
)
from services.inventory.gpc.schemas import CellPublic, SectorPublic, SubsectorPublic
from services.inventory.gpc.territorial import territorial_sector
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/gpc", tags=["GPC catalogue"])


def cell_public(c: Cell) -> CellPublic:
    return CellPublic(
        reference=c.reference,
        sector=c.sector,
        subsector=c.subsector,
        scope=c.scope,
        level=c.level,
        required_for=[level for level in LEVELS if c.required_for(level)],
        territorial_sector=territorial_sector(c.reference),
        name=c.name,
    )


@router.get("/sectors", summary="GPC sectors (I … V) with their subsectors")
async def list_sectors() -> list[SectorPublic]:
    return [
        SectorPublic(
            reference=s.reference,
            name=s.name,
            subsectors=[
                SubsectorPublic(reference=sub.reference, name=sub.name)
                for sub in SUBSECTORS
                if sub.sector == s.reference
            ],
        )
        for s in SECTORS
    ]


@router.get(
    "/cells",
    summary="GPC cells; `level` filters by the cell's own flag, `required_for` by reporting level",
)
async def list_cells(
    level: Annotated[
        CellLevel | None,
        Query(description="Only cells flagged BASIC, BASIC+ or territorial"),
    ] = None,
    required_for: Annotated[
        Level | None,
        Query(description="Only cells a BASIC or BASIC+ inventory must fill"),
    ] = None,
    sector: Annotated[str | None, Query(pattern=r"^(I|II|III|IV|V)$")] = None,
    scope: Annotated[int | None, Query(ge=1, le=3)] = None,
) -> list[CellPublic]:
    return [
        cell_public(c)
        for c in CELLS
        if (level is None or c.level == level)
        and (required_for is None or c.required_for(required_for))
        and (sector is None or c.sector == sector)
        and (scope is None or c.scope == scope)
    ]


@router.get("/cells/{reference}", summary="One GPC cell by its reference (e.g. I.1.2)")
async def get_cell(reference: Annotated[str, Path(max_length=16)]) -> CellPublic:
    found = CELLS_BY_REFERENCE.get(reference)
    if found is None:
        raise ProblemError(
            404,
            "Not Found",
            f"'{reference}' is not a GPC cell",
            kind="not-found",
            field="/path/reference",
        )
    return cell_public(found)
