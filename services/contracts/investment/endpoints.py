"""REST: the investment plan of a CCC version; the funding gap is computed on every read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from services.contracts.actions.schemas import ActionId
from services.contracts.ccc import service
from services.contracts.ccc.endpoints import City, Version
from services.contracts.investment.gap import funding_gap
from services.contracts.investment.schemas import ActionInvestment, FundingGapView
from shared.auth import Principal, require_principal
from shared.db import DbSession

router = APIRouter(
    prefix="/v1/cities/{city}/ccc/versions/{version}",
    tags=["investment"],
)


@router.get(
    "/funding-gap",
    summary="The funding gap (cost - committed funding) per action, responsible partner and year",
)
async def get_funding_gap(city: City, version: Version, session: DbSession) -> FundingGapView:
    document = service.document_of(await service.get_version(session, city, version))
    return funding_gap(city, version, document.b2_actions, document.investment_plan)


@router.put(
    "/actions/{action_id}/investment",
    summary="Replace an action's costing (capex, opex per year) and funding sources",
)
async def put_investment(
    city: City,
    version: Version,
    action_id: ActionId,
    investment: ActionInvestment,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> FundingGapView:
    ccc = await service.put_action_investment(
        session, request.app.state.outbox, principal, city, version, action_id, investment
    )
    document = service.document_of(ccc)
    return funding_gap(city, version, document.b2_actions, document.investment_plan)
