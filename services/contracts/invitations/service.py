"""Issuing, revoking and accepting invitations; each change and its event commit together."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.invitations.models import PartnerInvitation
from services.contracts.invitations.repository import InvitationRepository
from services.contracts.invitations.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationIssued,
    InvitationPublic,
    InvitationStatus,
    PartnerCredentials,
)
from services.contracts.partners.service import get_partner
from shared.auth import Principal, ensure_can_administer, issue_token
from shared.events.payloads import (
    PartnerInvitationAccepted,
    PartnerInvitationRevoked,
    PartnerInvited,
)
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.settings import ServiceSettings

CODE_PREFIX = "kpi_"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def status_of(invitation: PartnerInvitation, now: datetime) -> InvitationStatus:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def public(invitation: PartnerInvitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id,
        partner_id=invitation.partner_id,
        city=invitation.city,
        email=invitation.email,
        status=status_of(invitation, datetime.now(UTC)),
        created_by=invitation.created_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
    )


async def invite(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    partner_id: uuid.UUID,
    data: InvitationCreate,
) -> InvitationIssued:
    """Only the partner's city (or an admin) invites; a partner cannot invite itself again."""
    partner = await get_partner(session, partner_id)
    ensure_can_administer(principal, partner.city, "/path/partner_id")
    code = CODE_PREFIX + secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    invitation = PartnerInvitation(
        partner_id=partner.id,
        city=partner.city,
        email=data.email,
        code_hash=code_hash(code),
        created_by=principal.actor,
        created_at=now,
        expires_at=now + timedelta(days=data.valid_days),
    )
    InvitationRepository(session).add(invitation)
    await session.flush()
    await outbox.add(
        session,
        PartnerInvited(
            invitation_id=invitation.id,
            partner_id=partner.id,
            city=partner.city,
            invited_by=principal.actor,
            expires_at=invitation.expires_at,
        ),
        key=partner.city,
        subject=f"partners/{partner.id}/invitations/{invitation.id}",
    )
    return InvitationIssued(**public(invitation).model_dump(), code=code)


async def invitations_of(
    session: AsyncSession, principal: Principal, partner_id: uuid.UUID
) -> list[InvitationPublic]:
    partner = await get_partner(session, partner_id)
    ensure_can_administer(principal, partner.city, "/path/partner_id")
    return [public(i) for i in await InvitationRepository(session).of_partner(partner.id)]


async def revoke(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    partner_id: uuid.UUID,
    invitation_id: uuid.UUID,
) -> InvitationPublic:
    partner = await get_partner(session, partner_id)
    ensure_can_administer(principal, partner.city, "/path/partner_id")
    invitation = await InvitationRepository(session).get(invitation_id)
    if invitation is None or invitation.partner_id != partner.id:
        raise ProblemError(
            404,
            "Not Found",
            f"partner '{partner_id}' has no invitation '{invitation_id}'",
            kind="not-found",
            field="/path/invitation_id",
        )
    status = status_of(invitation, datetime.now(UTC))
    if status != "pending":
        raise ProblemError(
            409,
            "Conflict",
            f"the invitation is {status}; only a pending invitation can be revoked",
            kind="invitation-not-pending",
            field="/path/invitation_id",
            extra={"invitation_status": status},
        )
    invitation.revoked_at = datetime.now(UTC)
    await session.flush()
    await outbox.add(
        session,
        PartnerInvitationRevoked(
            invitation_id=invitation.id,
            partner_id=partner.id,
            city=partner.city,
            revoked_by=principal.actor,
            revoked_at=invitation.revoked_at,
        ),
        key=partner.city,
        subject=f"partners/{partner.id}/invitations/{invitation.id}",
    )
    return public(invitation)


async def accept(
    session: AsyncSession,
    outbox: Outbox,
    settings: ServiceSettings,
    token_days: int,
    data: InvitationAccept,
) -> PartnerCredentials:
    """The code is the credential: it gives, once, a partner token for its partner."""
    repo = InvitationRepository(session)
    invitation = await repo.get_by_code_hash(code_hash(data.code))
    if invitation is None:
        raise ProblemError(
            404,
            "Unknown invitation code",
            "no invitation has this code; ask the city for a new invitation",
            kind="unknown-invitation",
            field="/body/code",
        )
    now = datetime.now(UTC)
    if not await repo.mark_accepted(invitation, now):
        await session.refresh(invitation)  # a concurrent acceptance may have won
        status = status_of(invitation, now)
        raise ProblemError(
            409 if status == "accepted" else 410,
            "Invitation already used" if status == "accepted" else "Invitation no longer valid",
            f"the invitation is {status}; ask the city for a new invitation",
            kind=f"invitation-{status}",
            field="/body/code",
            extra={"invitation_status": status},
        )
    subject = f"partner:{invitation.partner_id}/invitation:{invitation.id}"
    ttl_s = token_days * 86400
    token = issue_token(
        subject,
        "partner",
        invitation.city,
        ttl_s,
        partner=str(invitation.partner_id),
        settings=settings,
    )
    await outbox.add(
        session,
        PartnerInvitationAccepted(
            invitation_id=invitation.id,
            partner_id=invitation.partner_id,
            city=invitation.city,
            accepted_at=now,
        ),
        key=invitation.city,
        subject=f"partners/{invitation.partner_id}/invitations/{invitation.id}",
    )
    return PartnerCredentials(
        partner_id=invitation.partner_id,
        city=invitation.city,
        token=token,
        expires_at=now + timedelta(seconds=ttl_s),
        subject=subject,
    )
