"""REST: register, list and read partners. Reads are public; writes need a token for the city."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request, Response

from services.contracts.partners import service
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import PartnerCreate, PartnerPublic
from shared.auth import Principal, ensure_can_write, require_principal
from shared.db import DbSession
from shared.events.payloads import CitySlug
from shared.pagination import Offset
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/partners", tags=["partners"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Register a partner of a city")
async def register_partner(
    data: PartnerCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> PartnerPublic:
    ensure_can_write(principal, data.city)
    partner = await service.register_partner(session, request.app.state.outbox, data)
    response.headers["Location"] = str(request.url_for("get_partner", partner_id=partner.id))
    return PartnerPublic.model_validate(partner)


@router.get("", summary="Partners, optionally of one city")
async def list_partners(
    session: DbSession,
    city: CitySlug | None = Query(None),
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[PartnerPublic]:
    partners = await PartnerRepository(session).list(city, limit=limit, offset=offset)
    return [PartnerPublic.model_validate(p) for p in partners]


@router.get("/{partner_id}", summary="One partner")
async def get_partner(partner_id: uuid.UUID, session: DbSession) -> PartnerPublic:
    return PartnerPublic.model_validate(await service.get_partner(session, partner_id))
