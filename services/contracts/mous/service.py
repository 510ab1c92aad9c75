"""Proposing, signing and moving MoUs along their lifecycle: each change, its history row and
its event commit together."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.cities.service import today_in
from services.contracts.commitments import service as commitments
from services.contracts.commitments.models import Commitment
from services.contracts.commitments.repository import CommitmentRepository
from services.contracts.commitments.schemas import (
    GPC_SECTORS,
    CommitmentCreate,
    CommitmentPublic,
    SectorReductionIn,
    SectorReductionPublic,
)
from services.contracts.mous import lifecycle
from services.contracts.mous.models import Mou, MouSignature, MouTransition
from services.contracts.mous.repository import MouRepository
from services.contracts.mous.schemas import (
    MouCreate,
    MouPublic,
    MouSign,
    MouTransitionRequest,
    SignaturePublic,
    TransitionPublic,
)
from services.contracts.partners.repository import PartnerRepository
from shared.auth import Principal, ensure_can_administer, ensure_may_act_for_partner
from shared.events.payloads import (
    MouDrafted,
    MouSignatureAdded,
    MouSigned,
    MouStatusChanged,
    SignatureSide,
)
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg

SIDES: tuple[SignatureSide, ...] = ("city", "partner")


def _check_period(start: date | None, end: date | None, field: str = "/body/period_end") -> None:
    if start is not None and end is not None and end < start:
        raise ProblemError(
            422,
            "Request validation failed",
            f"the period ends ({end}) before it starts ({start})",
            kind="validation",
            field=field,
        )


async def _record(
    session: AsyncSession, mou: Mou, to: str, by: str, at: datetime, note: str | None = None
) -> None:
    previous = None if to == "proposed" and mou.status == "proposed" else mou.status
    MouRepository(session).add(
        MouTransition(
            mou_id=mou.id, from_status=previous, to_status=to, note=note, changed_by=by,
            changed_at=at,
        )
    )  # fmt: skip
    mou.status, mou.status_changed_at = to, at


async def _propose(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    *,
    partner_id: uuid.UUID,
    city: str,
    title: str,
    tier: str,
    period: tuple[date | None, date | None],
    text: str | None,
    document_url: str | None,
    items: Sequence[CommitmentCreate],
    renews: Mou | None = None,
) -> Mou:
    now = datetime.now(UTC)
    mou = Mou(
        partner_id=partner_id,
        city=city,
        title=title,
        tier=tier,
        text=text,
        document_url=document_url,
        period_start=period[0],
        period_end=period[1],
        renews_mou_id=renews.id if renews else None,
        proposed_by=principal.actor,
        proposed_at=now,
    )
    MouRepository(session).add(mou)
    note = f"renews MoU {renews.id}" if renews else None
    await _record(session, mou, "proposed", principal.actor, now, note)
    await session.flush()
    await outbox.add(
        session,
        MouDrafted(
            mou_id=mou.id,
            partner_id=mou.partner_id,
            city=mou.city,
            title=mou.title,
            tier=tier,
            period_start=mou.period_start,
            period_end=mou.period_end,
            renews_mou_id=mou.renews_mou_id,
        ),
        key=mou.city,
        subject=f"mous/{mou.id}",
    )
    await commitments.add_commitments(session, outbox, principal, mou, items)
    return mou


async def draft_mou(
    session: AsyncSession, outbox: Outbox, principal: Principal, data: MouCreate
) -> Mou:
    """The city proposes an MoU to its partner (the partner signs it, it does not propose)."""
    partner = await PartnerRepository(session).get(data.partner_id)
    if partner is None:
        raise ProblemError(
            422,
            "Unknown partner",
            f"no partner '{data.partner_id}'; register the partner first",
            kind="unknown-partner",
            field="/body/partner_id",
        )
    ensure_can_administer(principal, partner.city, "/body/partner_id")
    _check_period(data.period_start, data.period_end)
    return await _propose(
        session,
        outbox,
        principal,
        partner_id=partner.id,
        city=partner.city,
        title=data.title,
        tier=data.tier,
        period=(data.period_start, data.period_end),
        text=data.text,
        document_url=str(data.document_url) if data.document_url else None,
        items=data.commitments,
    )


def _side_of(principal: Principal, mou: Mou, asked: SignatureSide | None) -> SignatureSide:
    """The side the credential signs for: the partner's own token signs the partner's side;
    the city's (or an admin's) signs the city's. A city token never signs for a partner."""
    side: SignatureSide | None = None
    if principal.is_partner(mou.partner_id, mou.city):
        side = "partner"
    elif principal.can_administer(mou.city):
        side = "city"
    if side is None:
        raise ProblemError(
            403,
            "Forbidden",
            f"this credential is neither city '{mou.city}' nor the MoU's partner",
            kind="forbidden",
            field="/path/mou_id",
        )
    if asked is not None and asked != side:
        raise ProblemError(
            403,
            "Forbidden",
            f"this credential signs for the {side}, not for the {asked}: "
            + (
                "only the partner's own credentials sign for the partner"
                if asked == "partner"
                else "only the city's credentials sign for the city"
            ),
            kind="forbidden",
            field="/body/side",
        )
    return side


async def sign_mou(
    session: AsyncSession, outbox: Outbox, principal: Principal, mou_id: uuid.UUID, data: MouSign
) -> Mou:
    repo = MouRepository(session)
    mou = await repo.get(mou_id, for_update=True)
    if mou is None:
        raise ProblemError(
            404, "Not Found", f"no MoU '{mou_id}'", kind="not-found", field="/path/mou_id"
        )
    side = _side_of(principal, mou, data.side)
    if mou.status != "proposed":
        raise ProblemError(
            409,
            "Conflict",
            f"the MoU is '{mou.status}'; only a proposed MoU is signed",
            kind="not-proposed",
            field="/path/mou_id",
            extra={"current_status": mou.status},
        )
    if data.signed_on > await today_in(session, mou.city):
        raise ProblemError(
            422,
            "Signature date in the future",
            f"signed_on {data.signed_on} is after today",
            kind="validation",
            field="/body/signed_on",
        )
    signatures = {s.side: s for s in await repo.signatures([mou.id])}
    if side in signatures:
        raise ProblemError(
            409,
            "Conflict",
            f"the {side} has already signed MoU '{mou_id}' ({signatures[side].signatory})",
            kind="already-signed",
            field="/path/mou_id",
        )
    if mou.tier == "partner" and not await CommitmentRepository(session).of_mous([mou.id]):
        raise ProblemError(
            409,
            "Conflict",
            "a partner-tier MoU holds at least one commitment (an action or an investment) "
            "before it is signed; add one, or propose it at the supporter tier",
            kind="no-commitment",
            field="/path/mou_id",
            extra={"current_status": mou.status},
        )
    now = datetime.now(UTC)
    signature = MouSignature(
        mou_id=mou.id,
        side=side,
        signatory=data.signatory,
        signed_on=data.signed_on,
        signed_by=principal.actor,
        signed_at=now,
    )
    repo.add(signature)
    try:
        await session.flush()
    except IntegrityError as exc:
        # The same side signed concurrently (SQLite; PostgreSQL waits on the row lock instead).
        raise ProblemError(
            409, "Conflict", f"the {side} has already signed", kind="already-signed"
        ) from exc
    await outbox.add(
        session,
        MouSignatureAdded(
            mou_id=mou.id,
            partner_id=mou.partner_id,
            city=mou.city,
            side=side,
            signatory=signature.signatory,
            signed_on=signature.signed_on,
            signed_by=signature.signed_by,
            signed_at=now,
        ),
        key=mou.city,
        subject=f"mous/{mou.id}",
    )
    signatures[side] = signature
    if all(s in signatures for s in SIDES):
        await _record(session, mou, "signed", principal.actor, now, "signed by both sides")
        mou.signed_at = now
        await session.flush()
        await outbox.add(
            session,
            MouSigned(
                mou_id=mou.id,
                partner_id=mou.partner_id,
                city=mou.city,
                signed_on=max(s.signed_on for s in signatures.values()),
                signatory=signatures["partner"].signatory,
                city_signatory=signatures["city"].signatory,
            ),
            key=mou.city,
            subject=f"mous/{mou.id}",
        )
    return mou


async def transition(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    mou_id: uuid.UUID,
    data: MouTransitionRequest,
) -> Mou:
    """Either party (the partner itself or its city) moves the MoU on; 409 names the state."""
    repo = MouRepository(session)
    mou = await repo.get(mou_id, for_update=True)
    if mou is None:
        raise ProblemError(
            404, "Not Found", f"no MoU '{mou_id}'", kind="not-found", field="/path/mou_id"
        )
    ensure_may_act_for_partner(principal, mou.partner_id, mou.city, "/path/mou_id")
    lifecycle.ensure_transition(mou.status, data.status)
    successor: Mou | None = None
    if data.status == "renewed":
        for name in ("period_start", "period_end"):
            if getattr(data, name) is None:
                raise ProblemError(
                    422,
                    "Request validation failed",
                    "a renewal states the new MoU's period",
                    kind="validation",
                    field=f"/body/{name}",
                )
        _check_period(data.period_start, data.period_end)
    previous = mou.status
    now = datetime.now(UTC)
    await _record(session, mou, data.status, principal.actor, now, data.note)
    await session.flush()
    if data.status == "renewed":
        items = [
            CommitmentCreate(
                kind=c.kind,
                description=c.description,
                due_by=c.due_by,
                investment_nok=c.investment_nok,
                expected_reductions=[
                    SectorReductionIn(sector=s, tco2e=tco2e_from_mg(mg))
                    for s, mg in c.expected_reductions_mg.items()
                ],
            )
            for c in await CommitmentRepository(session).of_mous([mou.id])
        ]
        successor = await _propose(
            session,
            outbox,
            principal,
            partner_id=mou.partner_id,
            city=mou.city,
            title=mou.title,
            tier=mou.tier,
            period=(data.period_start, data.period_end),
            text=mou.text,
            document_url=mou.document_url,
            items=items,
            renews=mou,
        )
    await outbox.add(
        session,
        MouStatusChanged(
            mou_id=mou.id,
            partner_id=mou.partner_id,
            city=mou.city,
            previous_status=previous,
            status=data.status,
            note=data.note,
            changed_by=principal.actor,
            changed_at=now,
            successor_mou_id=successor.id if successor else None,
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


def _sector_sums(items: Sequence[Commitment]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for c in items:
        for sector, mg in c.expected_reductions_mg.items():
            sums[sector] += mg
    return sums


async def views(session: AsyncSession, mous: Sequence[Mou]) -> list[MouPublic]:
    """MoUs with their signatures, commitments and history: four queries for any number."""
    repo = MouRepository(session)
    ids = [m.id for m in mous]
    signatures: dict[uuid.UUID, list[MouSignature]] = defaultdict(list)
    for s in await repo.signatures(ids):
        signatures[s.mou_id].append(s)
    held: dict[uuid.UUID, list[Commitment]] = defaultdict(list)
    for c in await CommitmentRepository(session).of_mous(ids):
        held[c.mou_id].append(c)
    history: dict[uuid.UUID, list[MouTransition]] = defaultdict(list)
    for t in await repo.transitions(ids):
        history[t.mou_id].append(t)
    renewals = await repo.renewals(ids)
    answers = []
    for mou in mous:
        sums = _sector_sums(held[mou.id])
        signed = {s.side for s in signatures[mou.id]}
        answers.append(
            MouPublic(
                id=mou.id,
                partner_id=mou.partner_id,
                city=mou.city,
                title=mou.title,
                tier=mou.tier,
                text=mou.text,
                document_url=mou.document_url,
                period_start=mou.period_start,
                period_end=mou.period_end,
                status=mou.status,
                proposed_by=mou.proposed_by,
                proposed_at=mou.proposed_at,
                signed_at=mou.signed_at,
                signatures=[SignaturePublic.model_validate(s) for s in signatures[mou.id]],
                awaiting_signature_of=[s for s in SIDES if s not in signed]
                if mou.status == "proposed"
                else [],
                commitments=[CommitmentPublic.of(c) for c in held[mou.id]],
                expected_reductions=[
                    SectorReductionPublic(sector=s, tco2e=tco2e_from_mg(sums[s]))
                    for s in GPC_SECTORS
                    if s in sums
                ],
                expected_tco2e=tco2e_from_mg(sum(sums.values())),
                renews_mou_id=mou.renews_mou_id,
                renewed_by_mou_id=renewals.get(mou.id),
                history=[TransitionPublic.model_validate(t) for t in history[mou.id]],
            )
        )
    return answers


async def view(session: AsyncSession, mou: Mou) -> MouPublic:
    (answer,) = await views(session, [mou])
    return answer
