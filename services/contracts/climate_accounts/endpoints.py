"""REST: a partner's yearly climate accounts and their trend. Published accounts are public;
unpublished ones only for the partner itself and its city. The partner reports its own (its
city may enter it for the partner); nobody else may."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.contracts.climate_accounts import service
from services.contracts.climate_accounts.schemas import (
    ClimateAccountIn,
    ClimateAccountPublic,
    ClimateAccountTrend,
)
from shared.auth import Principal, optional_principal, require_principal
from shared.db import DbSession

router = APIRouter(
    prefix="/v1/partners/{partner_id}/climate-accounts",
    tags=["climate accounts"],
)
Reader = Annotated[Principal | None, Depends(optional_principal)]
Year = Annotated[int, Path(ge=1900, le=2200, description="The account's calendar year")]


@router.get("", summary="A partner's yearly climate accounts, oldest first")
async def list_accounts(
    partner_id: uuid.UUID, session: DbSession, reader: Reader
) -> list[ClimateAccountPublic]:
    return [service.public(a) for a in await service.accounts_of(session, reader, partner_id)]


@router.get(
    "/trend",
    summary="The accounts' trend against the partner's own commitments (on_course, behind, "
    "nothing_due, no_data per year)",
)
async def account_trend(
    partner_id: uuid.UUID, session: DbSession, reader: Reader
) -> ClimateAccountTrend:
    return await service.trend(session, reader, partner_id)


@router.get("/{year}", summary="A partner's climate account of one year")
async def get_account(
    partner_id: uuid.UUID, year: Year, session: DbSession, reader: Reader
) -> ClimateAccountPublic:
    return service.public(await service.account_of(session, reader, partner_id, year))


@router.put(
    "/{year}",
    summary="Report a year's climate account (the partner itself, or its city): 201 new, "
    "200 replaced",
    responses={201: {"description": "Reported for the first time"}},
)
async def report_account(
    partner_id: uuid.UUID,
    year: Year,
    data: ClimateAccountIn,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ClimateAccountPublic:
    account, created = await service.report(
        session, request.app.state.outbox, principal, partner_id, year, data
    )
    response.status_code = 201 if created else 200
    return service.public(account)
