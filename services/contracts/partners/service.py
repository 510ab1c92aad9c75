"""Registering and changing partners: each row change and its event commit together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.service import known_city
from services.contracts.partners.models import Partner
from services.contracts.partners.repository import PartnerRepository
from services.contracts.partners.schemas import Contact, PartnerCreate, PartnerUpdate
from shared.auth import Principal, ensure_may_act_for_partner
from shared.events.payloads import HelixType, PartnerRegistered, PartnerUpdated
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError


def _duplicate(city: str, number: str | None) -> ProblemError:
    return ProblemError(
        409,
        "Conflict",
        f"city '{city}' already has a partner with organisation number {number}",
        kind="duplicate-partner",
        field="/body/organisation_number",
    )


def _set_contact(partner: Partner, contact: Contact | None) -> None:
    contact = contact or Contact()
    partner.contact_name, partner.contact_email, partner.contact_phone = (
        contact.name,
        contact.email,
        contact.phone,
    )


async def register_partner(session: AsyncSession, outbox: Outbox, data: PartnerCreate) -> Partner:
    await known_city(session, data.city)
    repo = PartnerRepository(session)
    if data.organisation_number and await repo.get_by_organisation_number(
        data.city, data.organisation_number
    ):
        raise _duplicate(data.city, data.organisation_number)
    partner = Partner(
        city=data.city,
        name=data.name,
        organisation_number=data.organisation_number,
        helix=data.helix,
        registered_at=datetime.now(UTC),
    )
    _set_contact(partner, data.contact)
    repo.add(partner)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request registered the same number between our check and our insert.
        raise _duplicate(data.city, data.organisation_number) from exc
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


async def update_partner(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    partner_id: uuid.UUID,
    data: PartnerUpdate,
) -> Partner:
    """The partner itself or its city changes the record; nothing else may (403)."""
    partner = await get_partner(session, partner_id)
    ensure_may_act_for_partner(principal, partner.id, partner.city)
    given = data.model_fields_set
    for name in ("name", "helix"):
        if name in given and getattr(data, name) is None:
            raise ProblemError(
                422,
                "Request validation failed",
                f"{name} cannot be cleared",
                kind="validation",
                field=f"/body/{name}",
            )
    changed: list[str] = []
    if "name" in given and data.name != partner.name:
        partner.name = data.name  # type: ignore[assignment]  # checked not None above
        changed.append("name")
    if "helix" in given and data.helix != partner.helix:
        partner.helix = data.helix  # type: ignore[assignment]
        changed.append("helix")
    if "organisation_number" in given and data.organisation_number != partner.organisation_number:
        number = data.organisation_number
        if number and await PartnerRepository(session).get_by_organisation_number(
            partner.city, number
        ):
            raise _duplicate(partner.city, number)
        partner.organisation_number = number
        changed.append("organisation_number")
    if "contact" in given:
        before = (partner.contact_name, partner.contact_email, partner.contact_phone)
        _set_contact(partner, data.contact)
        if before != (partner.contact_name, partner.contact_email, partner.contact_phone):
            changed.append("contact")
    if not changed:
        return partner
    partner.updated_at, partner.updated_by = datetime.now(UTC), principal.actor
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _duplicate(partner.city, partner.organisation_number) from exc
    helix: HelixType = partner.helix  # type: ignore[assignment]  # the column holds a HelixType
    await outbox.add(
        session,
        PartnerUpdated(
            partner_id=partner.id,
            city=partner.city,
            name=partner.name,
            organisation_number=partner.organisation_number,
            helix=helix,
            changed=changed,
            updated_by=principal.actor,
            updated_at=partner.updated_at,
        ),
        key=partner.city,
        subject=f"partners/{partner.id}",
    )
    return partner


async def get_partner(
    session: AsyncSession, partner_id: uuid.UUID, field: str = "/path/partner_id"
) -> Partner:
    partner = await PartnerRepository(session).get(partner_id)
    if partner is None:
        raise ProblemError(
            404, "Not Found", f"no partner '{partner_id}'", kind="not-found", field=field
        )
    return partner
