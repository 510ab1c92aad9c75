"""REST: register, list, read and change partners. Reads are public (the contact person only
for the partner itself and its city); writes need a token for the city, or the partner's own
token for its own record."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.contracts.cities.service import CityQuery
from services.contracts.partners import service
from services.contracts.partners.models import Partner
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import PartnerCreate, PartnerPublic, PartnerUpdate
from shared.auth import Principal, ensure_can_administer, optional_principal, require_principal
from shared.db import DbSession
from shared.events.payloads import HelixType
from shared.pagination import Offset

router = APIRouter(prefix="/v1/partners", tags=["partners"])
Reader = Annotated[Principal | None, Depends(optional_principal)]


def _public(partner: Partner, reader: Principal | None) -> PartnerPublic:
    sees_contact = reader is not None and reader.may_act_for_partner(partner.id, partner.city)
    return PartnerPublic.of(partner, with_contact=sees_contact)


@router.post("", status_code=201, summary="Register a partner of a city")
async def register_partner(
    data: PartnerCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> PartnerPublic:
    ensure_can_administer(principal, data.city)
    partner = await service.register_partner(session, request.app.state.outbox, data)
    response.headers["Location"] = str(request.url_for("get_partner", partner_id=partner.id))
    return _public(partner, principal)


@router.get("", summary="Partners, optionally of one city or one helix strand")
async def list_partners(
    session: DbSession,
    reader: Reader,
    city: CityQuery = None,
    helix: HelixType | None = Query(None),
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[PartnerPublic]:
    partners = await PartnerRepository(session).list(city, helix, limit=limit, offset=offset)
    return [_public(p, reader) for p in partners]


@router.get("/{partner_id}", summary="One partner")
async def get_partner(partner_id: uuid.UUID, session: DbSession, reader: Reader) -> PartnerPublic:
    return _public(await service.get_partner(session, partner_id), reader)


@router.patch(
    "/{partner_id}",
    summary="Change a partner's record (the partner itself, or its city)",
)
async def update_partner(
    partner_id: uuid.UUID,
    data: PartnerUpdate,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> PartnerPublic:
    partner = await service.update_partner(
        session, request.app.state.outbox, principal, partner_id, data
    )
    return _public(partner, principal)
