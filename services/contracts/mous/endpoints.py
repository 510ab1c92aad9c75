"""REST: draft, sign, list and read MoUs. Reads are public; writes need a token for the city."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request, Response

from services.contracts.mous import service
from services.contracts.mous.models import MouStatus
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import MouCreate, MouPublic, MouSign
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.events.payloads import CitySlug
from shared.pagination import Offset
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/mous", tags=["mous"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Draft an MoU with a partner (for the partner's city)")
async def draft_mou(
    data: MouCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MouPublic:
    mou = await service.draft_mou(session, request.app.state.outbox, principal, data)
    response.headers["Location"] = str(request.url_for("get_mou", mou_id=mou.id))
    return MouPublic.model_validate(mou)


@router.post("/{mou_id}/sign", summary="Sign a drafted MoU (once; a second signature is 409)")
async def sign_mou(
    mou_id: uuid.UUID,
    data: MouSign,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MouPublic:
    mou = await service.sign_mou(session, request.app.state.outbox, principal, mou_id, data)
    return MouPublic.model_validate(mou)


@router.get("", summary="MoUs, optionally of one city or in one status")
async def list_mous(
    session: DbSession,
    city: CitySlug | None = Query(None),
    status: MouStatus | None = Query(None),
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[MouPublic]:
    mous = await MouRepository(session).list(city, status, limit=limit, offset=offset)
    return [MouPublic.model_validate(m) for m in mous]


@router.get("/{mou_id}", summary="One MoU")
async def get_mou(mou_id: uuid.UUID, session: DbSession) -> MouPublic:
    return MouPublic.model_validate(await service.get_mou(session, mou_id))
