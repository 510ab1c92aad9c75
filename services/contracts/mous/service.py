"""Drafting and signing MoUs: each change and its event commit together."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.mous.models import Mou
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import MouCreate, MouSign
from services.contracts.partners.repository import PartnerRepository
from shared.auth import Principal, ensure_can_write
from shared.events.payloads import MouDrafted, MouSigned
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError

# The cities are Norwegian: "today" for a signature is today in Norway.
LOCAL_TIME = ZoneInfo("Europe/Oslo")


def today_in_norway() -> date:
    return datetime.now(LOCAL_TIME).date()


async def draft_mou(
    session: AsyncSession, outbox: Outbox, principal: Principal, data: MouCreate
) -> Mou:
    partner = await PartnerRepository(session).get(data.partner_id)
    if partner is None:
        raise ProblemError(
            422,
            "Unknown partner",
            f"no partner '{data.partner_id}'; register the partner first",
            kind="unknown-partner",
            field="/body/partner_id",
        )
    ensure_can_write(principal, partner.city, "/body/partner_id")
    mou = Mou(
        partner_id=partner.id, city=partner.city, title=data.title, drafted_at=datetime.now(UTC)
    )
    MouRepository(session).add(mou)
    await session.flush()
    await outbox.add(
        session,
        MouDrafted(mou_id=mou.id, partner_id=mou.partner_id, city=mou.city, title=mou.title),
        key=mou.city,
        subject=f"mous/{mou.id}",
    )
    return mou


async def sign_mou(
    session: AsyncSession, outbox: Outbox, principal: Principal, mou_id: uuid.UUID, data: MouSign
) -> Mou:
    repo = MouRepository(session)
    mou = await get_mou(session, mou_id)
    ensure_can_write(principal, mou.city, None)
    if data.signed_on > today_in_norway():
        raise ProblemError(
            422,
            "Signature date in the future",
            f"signed_on {data.signed_on} is after today",
            kind="validation",
            field="/body/signed_on",
        )
    signed = mou.status == "drafted" and await repo.mark_signed(
        mou, signatory=data.signatory, signed_on=data.signed_on, signed_at=datetime.now(UTC)
    )
    if not signed:
        raise ProblemError(
            409,
            "Conflict",
            f"MoU '{mou_id}' is already signed",
            kind="already-signed",
            field="/path/mou_id",
        )
    assert mou.signed_on is not None and mou.signatory is not None
    await outbox.add(
        session,
        MouSigned(
            mou_id=mou.id,
            partner_id=mou.partner_id,
            city=mou.city,
            signed_on=mou.signed_on,
            signatory=mou.signatory,
        ),
        key=mou.city,
        subject=f"mous/{mou.id}",
    )
    return mou


async def get_mou(session: AsyncSession, mou_id: uuid.UUID) -> Mou:
    mou = await MouRepository(session).get(mou_id)
    if mou is None:
        raise ProblemError(
            404, "Not Found", f"no MoU '{mou_id}'", kind="not-found", field="/path/mou_id"
        )
    return mou
