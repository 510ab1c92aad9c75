"""REST: a city's CCC, its versions, their modules, lifecycle, history and diffs.

Reads are public; writes need a token of the city (or admin); the review and the label are the
reviewer's steps (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.contracts.ccc import service
from services.contracts.ccc.repository import CccRepository
from services.contracts.ccc.schemas import (
    CccDiff,
    CccDocument,
    CccOverview,
    CccPatch,
    CccVersionPublic,
    TransitionPublic,
    TransitionRequest,
)
from services.contracts.cities.service import CityPath
from shared.auth import Principal, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/cities/{city}/ccc", tags=["ccc"])

City = CityPath  # 422 wrong case, 404 unknown city
Version = Annotated[int, Path(ge=1, le=10_000, description="CCC version number")]
VersionQuery = Annotated[int, Query(ge=1, le=10_000)]


@router.post("", status_code=201, summary="Start a city's CCC: version 1, a draft")
async def start_ccc(
    city: City,
    request: Request,
    response: Response,
    session: DbSession,
    document: CccDocument | None = None,
    principal: Principal = Depends(require_principal),
) -> CccVersionPublic:
    ccc = await service.start_ccc(
        session, request.app.state.outbox, principal, city, document or CccDocument()
    )
    response.headers["Location"] = str(
        request.url_for("get_ccc_version", city=city, version=ccc.version)
    )
    return await service.version_public(session, ccc)


@router.get("", summary="A city's CCC: its versions, the labelled and the tracked one")
async def get_ccc(city: City, session: DbSession) -> CccOverview:
    return await service.overview(session, city)


@router.post(
    "/versions",
    status_code=201,
    summary="Start the yearly iteration: version n+1, a draft copied from the labelled version",
)
async def iterate(
    city: City,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> CccVersionPublic:
    ccc = await service.iterate(session, request.app.state.outbox, principal, city)
    response.headers["Location"] = str(
        request.url_for("get_ccc_version", city=city, version=ccc.version)
    )
    return await service.version_public(session, ccc)


@router.get("/versions/{version}", summary="One CCC version with its computed figures")
async def get_ccc_version(city: City, version: Version, session: DbSession) -> CccVersionPublic:
    return await service.version_public(session, await service.get_version(session, city, version))


@router.patch(
    "/versions/{version}",
    summary="Replace modules of a draft (or of a version whose revision was requested)",
)
async def patch_ccc_version(
    city: City,
    version: Version,
    patch: CccPatch,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> CccVersionPublic:
    ccc = await service.patch_version(
        session, request.app.state.outbox, principal, city, version, patch
    )
    return await service.version_public(session, ccc)


@router.post(
    "/versions/{version}/transitions",
    summary="Move a version along the label lifecycle, with comments per module "
    "(409 naming the current state when the step is not possible)",
)
async def transition(
    city: City,
    version: Version,
    data: TransitionRequest,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> CccVersionPublic:
    ccc = await service.transition(
        session, request.app.state.outbox, principal, city, version, data
    )
    return await service.version_public(session, ccc)


@router.get(
    "/versions/{version}/history",
    summary="Every step of a version: who, when, from which state to which, comments per module",
)
async def history(city: City, version: Version, session: DbSession) -> list[TransitionPublic]:
    await service.get_version(session, city, version)
    steps = await CccRepository(session).history(city, version)
    return [TransitionPublic.model_validate(step) for step in steps]


@router.get("/diff", summary="What changed between two versions of a city's CCC")
async def diff(
    city: City,
    session: DbSession,
    from_version: VersionQuery,
    to_version: VersionQuery,
) -> CccDiff:
    return await service.compare(session, city, from_version, to_version)
