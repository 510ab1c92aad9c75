from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import hour_of
from services.inventory.accounting.repository import AccountingRepository
from services.inventory.accounting.schemas import (
    CellTotal,
    HourlyBucket,
    LiveTotals,
    ReadingLineage,
)
from shared.db import get_session
from shared.pagination import Offset
from shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["live accounting"], responses=PROBLEM_RESPONSES)


def _utc(moment: datetime | None) -> datetime | None:
    # Buckets are stored as UTC hours; compare like with like on both databases.
    return moment.astimezone(UTC) if moment else None


@router.get(
    "/cities/{city}/live",
    response_model=LiveTotals,
    summary="A city's live emissions from sensor readings, by GPC cell and scope",
)
async def live_totals(
    city: str,
    start: AwareDatetime | None = Query(None, description="Inclusive, RFC 3339 with offset"),
    end: AwareDatetime | None = Query(None, description="Exclusive, RFC 3339 with offset"),
    session: AsyncSession = Depends(get_session, scope="function"),
) -> LiveTotals:
    rows = await AccountingRepository(session).cell_totals(city, _utc(start), _utc(end))
    cells = [
        CellTotal(
            gpc_reference=ref, scope=scope, readings=int(n), co2e_mg=int(mg), tco2e=int(mg) / 1e9
        )
        for ref, scope, n, mg in rows
    ]
    by_scope: dict[str, int] = {}
    for c in cells:
        by_scope[str(c.scope)] = by_scope.get(str(c.scope), 0) + c.co2e_mg
    total = sum(c.co2e_mg for c in cells)
    return LiveTotals(
        city=city,
        start=start,
        end=end,
        readings=sum(c.readings for c in cells),
        co2e_mg=total,
        tco2e=total / 1e9,
        by_scope={k: v / 1e9 for k, v in sorted(by_scope.items())},
        cells=cells,
    )


@router.get(
    "/cities/{city}/live/hourly",
    response_model=list[HourlyBucket],
    summary="Hourly buckets, newest first",
)
async def hourly(
    city: str,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    gpc_reference: str | None = None,
    limit: int = Query(500, ge=1, le=10_000),
    session: AsyncSession = Depends(get_session, scope="function"),
) -> list[HourlyBucket]:
    buckets = await AccountingRepository(session).buckets(
        city, _utc(start), _utc(end), gpc_reference, limit
    )
    return [
        HourlyBucket(
            gpc_reference=b.gpc_reference,
            scope=b.scope,
            hour=b.hour.replace(tzinfo=UTC) if b.hour.tzinfo is None else b.hour,
            readings=b.readings,
            co2e_mg=b.co2e_mg,
            tco2e=b.co2e_mg / 1e9,
        )
        for b in buckets
    ]


@router.get(
    "/cities/{city}/live/lineage",
    response_model=list[ReadingLineage],
    summary="The readings and factor versions behind one hourly bucket",
)
async def lineage(
    city: str,
    gpc_reference: str,
    hour: AwareDatetime,
    limit: int = Query(1000, ge=1, le=10_000),
    offset: Offset = 0,
    session: AsyncSession = Depends(get_session, scope="function"),
) -> list[ReadingLineage]:
    rows = await AccountingRepository(session).lineage(
        city, gpc_reference, hour_of(hour), limit, offset
    )
    return [ReadingLineage.model_validate(r, from_attributes=True) for r in rows]


@router.get(
    "/readings/{reading_id}", response_model=ReadingLineage, summary="How one reading was accounted"
)
async def reading_lineage(
    reading_id: str, session: AsyncSession = Depends(get_session, scope="function")
) -> ReadingLineage:
    row = await AccountingRepository(session).reading(reading_id)
    if row is None:
        raise ProblemError(
            404,
            "Not Found",
            f"reading '{reading_id}' has not been accounted",
            kind="not-found",
            field="/path/reading_id",
        )
    return ReadingLineage.model_validate(row, from_attributes=True)
