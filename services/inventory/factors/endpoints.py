"""REST: the emission-factor library. Reads are public; creating and revising need admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.inventory.factors import service
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.schemas import (
    ACTIVITY_PATTERN,
    FACTOR_ID_PATTERN,
    FIRST_YEAR,
    LAST_YEAR,
    REGION_PATTERN,
    FactorCreate,
    FactorPublic,
    FactorRevise,
)
from shared.auth import Principal, require_admin
from shared.db import DbSession

router = APIRouter(prefix="/v1/factors", tags=["emission factors"])

# The id's own pattern: an id that cannot exist is refused before it reaches a query.
FactorId = Annotated[str, Path(pattern=FACTOR_ID_PATTERN, description="e.g. no-grid-location-2023")]
VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get(
    "",
    summary="Emission factors, filtered by activity, region, year of validity and GPC cell "
    "(current versions unless current=false)",
)
async def list_factors(
    session: DbSession,
    activity: Annotated[str | None, Query(pattern=ACTIVITY_PATTERN)] = None,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN)] = None,
    year: Annotated[
        int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Factors valid in this year")
    ] = None,
    gpc_reference: Annotated[str | None, Query(max_length=16)] = None,
    current: Annotated[
        bool, Query(description="true: current versions only; false: every version")
    ] = True,
) -> list[FactorPublic]:
    factors = await FactorRepository(session).search(
        activity=activity,
        region=region,
        year=year,
        gpc_reference=gpc_reference,
        current=True if current else None,
    )
    return [FactorPublic.of(f) for f in factors]


@router.post("", status_code=201, summary="Create a factor as its version 1 (admin)")
async def create_factor(
    data: FactorCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_admin),
) -> FactorPublic:
    factor = await service.create_factor(session, request.app.state.outbox, principal, data)
    response.headers["Location"] = str(request.url_for("get_factor", factor_id=factor.id))
    return FactorPublic.of(factor)


@router.post(
    "/{factor_id}/revisions",
    status_code=201,
    summary="Revise a factor (admin): a new version supersedes the current one, which stays "
    "readable; emits factor.revised and recomputes the live emissions it produced",
)
async def revise_factor(
    factor_id: FactorId,
    data: FactorRevise,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_admin),
) -> FactorPublic:
    factor = await service.revise_factor(
        session, request.app.state.outbox, principal, factor_id, data
    )
    response.headers["Location"] = str(
        request.url_for("get_factor_version", factor_id=factor.id, version=factor.version)
    )
    return FactorPublic.of(factor)


@router.get("/{factor_id}", summary="The current version of a factor")
async def get_factor(factor_id: FactorId, session: DbSession) -> FactorPublic:
    return FactorPublic.of(await service.get_current(session, factor_id))


@router.get("/{factor_id}/versions", summary="Every version of a factor, oldest first")
async def factor_versions(factor_id: FactorId, session: DbSession) -> list[FactorPublic]:
    versions = await FactorRepository(session).versions(factor_id)
    if not versions:
        raise service.factor_not_found(factor_id)
    return [FactorPublic.of(f) for f in versions]


@router.get("/{factor_id}/versions/{version}", summary="One version of a factor")
async def get_factor_version(
    factor_id: FactorId, version: VersionNumber, session: DbSession
) -> FactorPublic:
    return FactorPublic.of(await service.get_version(session, factor_id, version))
