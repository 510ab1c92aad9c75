"""REST: propose, sign, move along and read MoUs. Reads are public; the city proposes; each
side signs with its own credentials (the partner's token for the partner, the city's for the
city); either party moves a signed MoU along its lifecycle."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request, Response

from services.contracts.cities.service import CityQuery
from services.contracts.mous import service
from services.contracts.mous.models import MouStatus
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import MouCreate, MouPublic, MouSign, MouTransitionRequest
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.pagination import Offset

router = APIRouter(prefix="/v1/mous", tags=["mous"])


@router.post(
    "",
    status_code=201,
    summary="Propose an MoU to a partner, with its period, text and commitments (city)",
)
async def draft_mou(
    data: MouCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MouPublic:
    mou = await service.draft_mou(session, request.app.state.outbox, principal, data)
    response.headers["Location"] = str(request.url_for("get_mou", mou_id=mou.id))
    return await service.view(session, mou)


@router.post(
    "/{mou_id}/sign",
    summary="Sign one side of a proposed MoU: the partner with its own token, the city with "
    "its; signed once both have (a side signing twice is 409)",
)
async def sign_mou(
    mou_id: uuid.UUID,
    data: MouSign,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MouPublic:
    mou = await service.sign_mou(session, request.app.state.outbox, principal, mou_id, data)
    return await service.view(session, mou)


@router.post(
    "/{mou_id}/transitions",
    summary="Move a signed MoU on: active, reported, renewed (opens its successor) or ended "
    "(409 naming the current state when illegal)",
)
async def transition_mou(
    mou_id: uuid.UUID,
    data: MouTransitionRequest,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MouPublic:
    mou = await service.transition(session, request.app.state.outbox, principal, mou_id, data)
    return await service.view(session, mou)


@router.get("", summary="MoUs, optionally of one city, one partner or in one status")
async def list_mous(
    session: DbSession,
    city: CityQuery = None,
    partner_id: uuid.UUID | None = Query(None),
    status: MouStatus | None = Query(None),
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[MouPublic]:
    mous = await MouRepository(session).list(city, status, partner_id, limit=limit, offset=offset)
    return await service.views(session, mous)


@router.get("/{mou_id}", summary="One MoU with its signatures, commitments and history")
async def get_mou(mou_id: uuid.UUID, session: DbSession) -> MouPublic:
    return await service.view(session, await service.get_mou(session, mou_id))
