"""REST: the commitments of an MoU. Reads are public; changes need a credential of one of the
MoU's parties (the partner itself or its city), and only while nobody has signed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, Response

from services.contracts.commitments import service
from services.contracts.commitments.repository import CommitmentRepository
from services.contracts.commitments.schemas import CommitmentCreate, CommitmentPublic
from services.contracts.mous.service import get_mou
from shared.auth import Principal, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/mous/{mou_id}/commitments", tags=["mous"])


@router.post("", status_code=201, summary="Add a commitment to a proposed, unsigned MoU")
async def add_commitment(
    mou_id: uuid.UUID,
    data: CommitmentCreate,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> CommitmentPublic:
    commitment = await service.add_commitment(
        session, request.app.state.outbox, principal, mou_id, data
    )
    return CommitmentPublic.of(commitment)


@router.get("", summary="The commitments an MoU holds")
async def list_commitments(mou_id: uuid.UUID, session: DbSession) -> list[CommitmentPublic]:
    mou = await get_mou(session, mou_id)
    return [CommitmentPublic.of(c) for c in await CommitmentRepository(session).of_mous([mou.id])]


@router.put("/{commitment_id}", summary="Replace a commitment of a proposed, unsigned MoU")
async def replace_commitment(
    mou_id: uuid.UUID,
    commitment_id: uuid.UUID,
    data: CommitmentCreate,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> CommitmentPublic:
    commitment = await service.replace_commitment(
        session, request.app.state.outbox, principal, mou_id, commitment_id, data
    )
    return CommitmentPublic.of(commitment)


@router.delete(
    "/{commitment_id}",
    status_code=204,
    summary="Remove a commitment from a proposed, unsigned MoU",
)
async def remove_commitment(
    mou_id: uuid.UUID,
    commitment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> Response:
    await service.remove_commitment(
        session, request.app.state.outbox, principal, mou_id, commitment_id
    )
    return Response(status_code=204)
