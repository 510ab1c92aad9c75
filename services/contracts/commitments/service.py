"""Adding, changing and removing the commitments of a proposed MoU. A commitment is frozen
once anyone signed: a signature is given to what the MoU held at that moment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.commitments.models import Commitment
from services.contracts.commitments.repository import CommitmentRepository
from services.contracts.commitments.schemas import GPC_SECTORS, CommitmentCreate
from services.contracts.mous.models import Mou
from services.contracts.mous.repository import MouRepository
from shared.auth import Principal, ensure_may_act_for_partner
from shared.events.payloads import CommitmentChanged, SectorReduction
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import mg_from_tco2e, tco2e_from_mg


def reductions_mg(data: CommitmentCreate, field: str) -> dict[str, int]:
    """The expected cuts as mg per sector; a sector named twice is a 422 naming the second."""
    by_sector: dict[str, int] = {}
    for i, reduction in enumerate(data.expected_reductions):
        if reduction.sector in by_sector:
            raise ProblemError(
                422,
                "Request validation failed",
                f"sector {reduction.sector} is given twice; give one entry per sector",
                kind="validation",
                field=f"{field}/expected_reductions/{i}/sector",
            )
        try:
            by_sector[reduction.sector] = mg_from_tco2e(reduction.tco2e)
        except ValueError as exc:
            raise ProblemError(
                422,
                "Request validation failed",
                str(exc),
                kind="validation",
                field=f"{field}/expected_reductions/{i}/tco2e",
            ) from exc
    return by_sector


async def editable_mou(
    session: AsyncSession, principal: Principal, mou_id: uuid.UUID, field: str = "/path/mou_id"
) -> Mou:
    """The MoU, when the caller is one of its parties and nobody signed it yet."""
    mou = await MouRepository(session).get(mou_id, for_update=True)
    if mou is None:
        raise ProblemError(404, "Not Found", f"no MoU '{mou_id}'", kind="not-found", field=field)
    ensure_may_act_for_partner(principal, mou.partner_id, mou.city, field)
    signed = await MouRepository(session).signatures([mou.id])
    if mou.status != "proposed" or signed:
        state = mou.status if mou.status != "proposed" else "proposed and signed by one side"
        raise ProblemError(
            409,
            "Commitments are frozen",
            f"the MoU is '{state}': its commitments change only while it is proposed and "
            "nobody has signed it (renew it to change them)",
            kind="commitments-frozen",
            field=field,
            extra={"current_status": mou.status},
        )
    return mou


def _event(c: Commitment, change: str, by: str) -> CommitmentChanged:
    return CommitmentChanged(
        commitment_id=c.id,
        mou_id=c.mou_id,
        partner_id=c.partner_id,
        city=c.city,
        change=change,
        kind=c.kind,
        description=c.description,
        due_by=c.due_by,
        investment_nok=c.investment_nok,
        expected_reductions=[
            SectorReduction(sector=s, co2e_mg=mg, tco2e=tco2e_from_mg(mg))
            for s in GPC_SECTORS
            if (mg := c.expected_reductions_mg.get(s)) is not None
        ],
        expected_co2e_mg=sum(c.expected_reductions_mg.values()),
        changed_by=by,
    )


async def _stage(
    outbox: Outbox, session: AsyncSession, c: Commitment, change: str, by: str
) -> None:
    await outbox.add(
        session, _event(c, change, by), key=c.city, subject=f"mous/{c.mou_id}/commitments/{c.id}"
    )


async def add_commitments(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    mou: Mou,
    items: Sequence[CommitmentCreate],
    field: str = "/body/commitments",
) -> list[Commitment]:
    """Add commitments to ``mou`` (already checked editable by the caller)."""
    repo = CommitmentRepository(session)
    now = datetime.now(UTC)
    added: list[Commitment] = []
    for i, data in enumerate(items):
        item_field = f"{field}/{i}" if field.endswith("commitments") else field
        commitment = Commitment(
            mou_id=mou.id,
            partner_id=mou.partner_id,
            city=mou.city,
            kind=data.kind,
            description=data.description,
            due_by=data.due_by,
            investment_nok=data.investment_nok,
            expected_reductions_mg=reductions_mg(data, item_field),
            created_by=principal.actor,
            created_at=now,
        )
        repo.add(commitment)
        added.append(commitment)
    await session.flush()
    for commitment in added:
        await _stage(outbox, session, commitment, "added", principal.actor)
    return added


async def add_commitment(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    mou_id: uuid.UUID,
    data: CommitmentCreate,
) -> Commitment:
    mou = await editable_mou(session, principal, mou_id)
    (added,) = await add_commitments(session, outbox, principal, mou, [data], field="/body")
    return added


async def _commitment_of(session: AsyncSession, mou: Mou, commitment_id: uuid.UUID) -> Commitment:
    commitment = await CommitmentRepository(session).get(commitment_id)
    if commitment is None or commitment.mou_id != mou.id:
        raise ProblemError(
            404,
            "Not Found",
            f"MoU '{mou.id}' holds no commitment '{commitment_id}'",
            kind="not-found",
            field="/path/commitment_id",
        )
    return commitment


async def replace_commitment(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    mou_id: uuid.UUID,
    commitment_id: uuid.UUID,
    data: CommitmentCreate,
) -> Commitment:
    mou = await editable_mou(session, principal, mou_id)
    commitment = await _commitment_of(session, mou, commitment_id)
    commitment.kind, commitment.description, commitment.due_by = (
        data.kind,
        data.description,
        data.due_by,
    )
    commitment.investment_nok = data.investment_nok
    commitment.expected_reductions_mg = reductions_mg(data, "/body")
    commitment.updated_at = datetime.now(UTC)
    await session.flush()
    await _stage(outbox, session, commitment, "updated", principal.actor)
    return commitment


async def remove_commitment(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    mou_id: uuid.UUID,
    commitment_id: uuid.UUID,
) -> None:
    mou = await editable_mou(session, principal, mou_id)
    commitment = await _commitment_of(session, mou, commitment_id)
    await _stage(outbox, session, commitment, "removed", principal.actor)
    await CommitmentRepository(session).delete(commitment)
    await session.flush()
