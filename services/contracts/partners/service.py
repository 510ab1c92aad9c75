"""Registering partners: the row and its PartnerRegistered event commit together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.partners.models import Partner
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import PartnerCreate
from shared.events.payloads import PartnerRegistered
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError


def _duplicate(data: PartnerCreate) -> ProblemError:
    return ProblemError(
        409,
        "Conflict",
        f"city '{data.city}' already has a partner with organisation number "
        f"{data.organisation_number}",
        kind="duplicate-partner",
        field="/body/organisation_number",
    )


async def register_partner(session: AsyncSession, outbox: Outbox, data: PartnerCreate) -> Partner:
    repo = PartnerRepository(session)
    if data.organisation_number and await repo.get_by_organisation_number(
        data.city, data.organisation_number
    ):
        raise _duplicate(data)
    partner = Partner(**data.model_dump(), registered_at=datetime.now(UTC))
    repo.add(partner)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request registered the same number between our check and our insert.
        raise _duplicate(data) from exc
    await outbox.add(
        session,
        PartnerRegistered(
            partner_id=partner.id,
            city=partner.city,
            name=partner.name,
            organisation_number=partner.organisation_number,
            helix=data.helix,
        ),
        key=partner.city,
        subject=f"partners/{partner.id}",
    )
    return partner


async def get_partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await PartnerRepository(session).get(partner_id)
    if partner is None:
        raise ProblemError(
            404,
            "Not Found",
            f"no partner '{partner_id}'",
            kind="not-found",
            field="/path/partner_id",
        )
    return partner
