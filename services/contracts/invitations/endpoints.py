"""REST: a city invites its partner; the partner accepts with the code and gets its token."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from services.contracts.invitations import service
from services.contracts.invitations.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationIssued,
    InvitationPublic,
    PartnerCredentials,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.problems import PROBLEM_JSON, Problem

router = APIRouter(tags=["invitations"])
GONE: dict[int | str, dict[str, Any]] = {
    410: {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "The invitation expired or was revoked",
    }
}


@router.post(
    "/v1/partners/{partner_id}/invitations",
    status_code=201,
    summary="Invite a partner to take its own credentials (city; the one-time code is shown once)",
)
async def invite_partner(
    partner_id: uuid.UUID,
    data: InvitationCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> InvitationIssued:
    issued = await service.invite(session, request.app.state.outbox, principal, partner_id, data)
    response.headers["Cache-Control"] = "no-store"
    return issued


@router.get(
    "/v1/partners/{partner_id}/invitations",
    summary="A partner's invitations and their status, without codes (city)",
)
async def list_invitations(
    partner_id: uuid.UUID, session: DbSession, principal: Principal = Depends(require_principal)
) -> list[InvitationPublic]:
    return await service.invitations_of(session, principal, partner_id)


@router.delete(
    "/v1/partners/{partner_id}/invitations/{invitation_id}",
    summary="Revoke a pending invitation (city): its code is refused from now on",
)
async def revoke_invitation(
    partner_id: uuid.UUID,
    invitation_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> InvitationPublic:
    return await service.revoke(
        session, request.app.state.outbox, principal, partner_id, invitation_id
    )


@router.post(
    "/v1/invitations/accept",
    summary="Accept an invitation with its one-time code: the answer holds the partner's token",
    responses=GONE,
)
async def accept_invitation(
    data: InvitationAccept, request: Request, response: Response, session: DbSession
) -> PartnerCredentials:
    settings = request.app.state.settings
    credentials = await service.accept(
        session,
        request.app.state.outbox,
        settings,
        settings.partner_token_days,
        data,
    )
    response.headers["Cache-Control"] = "no-store"
    return credentials
