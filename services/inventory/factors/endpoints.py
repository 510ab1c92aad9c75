from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.schemas import FactorPublic
from shared.db import get_session
from shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1/factors", tags=["emission factors"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=list[FactorPublic], summary="Current emission factors")
async def list_factors(
    session: AsyncSession = Depends(get_session, scope="function"),
) -> list[FactorPublic]:
    return [
        FactorPublic.model_validate(f, from_attributes=True)
        for f in await FactorRepository(session).current()
    ]


@router.get(
    "/{factor_id}/versions",
    response_model=list[FactorPublic],
    summary="Every version of a factor, oldest first",
)
async def factor_versions(
    factor_id: str, session: AsyncSession = Depends(get_session, scope="function")
) -> list[FactorPublic]:
    versions = await FactorRepository(session).versions(factor_id)
    if not versions:
        raise ProblemError(
            404, "Not Found", f"no factor '{factor_id}'", kind="not-found", field="/path/factor_id"
        )
    return [FactorPublic.model_validate(f, from_attributes=True) for f in versions]
