"""REST: a city's live emissions from its sensors (public, read-only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.inventory.accounting import views
from services.inventory.accounting.calculation import hour_of
from services.inventory.accounting.models import AccountedPart, AccountedReading
from services.inventory.accounting.repository import AccountingRepository
from services.inventory.accounting.schemas import (
    BucketFactor,
    BucketLineage,
    CellTotal,
    HourlyBucket,
    LiveGpcView,
    LiveTerritorialView,
    LiveTotals,
    Moment,
    ReadingLineage,
    ReadingPart,
    YearToDate,
)

# 422 wrong case, 404 unknown city (targets and budget import it from here too).
from services.inventory.cities.service import CityPath
from shared.db import DbSession
from shared.pagination import Offset
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg

router = APIRouter(prefix="/v1", tags=["live accounting"])

YearQuery = Annotated[
    int | None,
    Query(
        ge=1990,
        le=2100,
        description="The city's local calendar year (its time zone); default: the current one",
    ),
]
GpcReferenceQuery = Annotated[
    str, Query(pattern=r"^[A-Za-z0-9.]{1,16}$", description="A GPC cell, e.g. I.1.2")
]
ReadingIdPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{1,36}$", description="A reading id")]


def _utc(moment: datetime | None) -> datetime | None:
    # Buckets are stored as UTC hours; compare like with like on both databases.
    return moment.astimezone(UTC) if moment else None


@router.get(
    "/cities/{city}/live",
    response_model=LiveTotals,
    summary="A city's live emissions from sensor readings, by GPC cell and scope",
)
async def live_totals(
    city: CityPath,
    session: DbSession,
    start: Moment | None = Query(None, description="Inclusive, RFC 3339 with offset"),
    end: Moment | None = Query(None, description="Exclusive, RFC 3339 with offset"),
) -> LiveTotals:
    rows = await AccountingRepository(session).cell_totals(city, _utc(start), _utc(end))
    cells = [
        CellTotal(
            gpc_reference=ref,
            scope=scope,
            readings=int(n),
            co2e_mg=int(mg),
            tco2e=tco2e_from_mg(int(mg)),
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
        tco2e=tco2e_from_mg(total),
        by_scope={k: tco2e_from_mg(v) for k, v in sorted(by_scope.items())},
        cells=cells,
    )


@router.get(
    "/cities/{city}/live/year-to-date",
    summary="Live emissions per GPC cell from 1 January (local time) of the year up to now",
)
async def year_to_date(city: CityPath, session: DbSession, year: YearQuery = None) -> YearToDate:
    return await views.year_to_date(session, city, year, datetime.now(UTC))


@router.get(
    "/cities/{city}/live/views/gpc",
    summary="The live year-to-date in the GPC frame: BASIC, BASIC+, by sector, subsector, scope "
    "and gas",
)
async def live_gpc_view(city: CityPath, session: DbSession, year: YearQuery = None) -> LiveGpcView:
    ytd = await views.year_to_date(session, city, year, datetime.now(UTC))
    return views.gpc_view(ytd, await views.by_gas(session, city, ytd.year, ytd.time_zone))


@router.get(
    "/cities/{city}/live/views/territorial",
    summary="The live year-to-date as the Environment Agency counts it (scope 2 counts zero)",
)
async def live_territorial_view(
    city: CityPath, session: DbSession, year: YearQuery = None
) -> LiveTerritorialView:
    ytd = await views.year_to_date(session, city, year, datetime.now(UTC))
    return views.territorial_view(ytd)


@router.get(
    "/cities/{city}/live/hourly",
    response_model=list[HourlyBucket],
    summary="Hourly buckets, newest first",
)
async def hourly(
    city: CityPath,
    session: DbSession,
    start: Moment | None = None,
    end: Moment | None = None,
    gpc_reference: str | None = Query(None, pattern=r"^[A-Za-z0-9.]{1,16}$"),
    limit: int = Query(500, ge=1, le=10_000),
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
            tco2e=tco2e_from_mg(b.co2e_mg),
        )
        for b in buckets
    ]


@router.get(
    "/cities/{city}/live/lineage",
    response_model=list[BucketLineage],
    summary="The readings (their parts in this hour) and factor versions behind one hourly bucket",
)
async def lineage(
    city: CityPath,
    gpc_reference: GpcReferenceQuery,
    hour: Moment,
    session: DbSession,
    limit: int = Query(1000, ge=1, le=10_000),
    offset: Offset = 0,
) -> list[BucketLineage]:
    rows = await AccountingRepository(session).lineage(
        city, gpc_reference, hour_of(hour), limit, offset
    )
    return [_bucket_lineage(part, reading) for part, reading in rows]


def _bucket_lineage(part: AccountedPart, reading: AccountedReading) -> BucketLineage:
    whole = ReadingLineage.model_validate(reading, from_attributes=True).model_dump()
    own = ReadingPart.model_validate(part, from_attributes=True).model_dump()
    whole.update(
        {k: v for k, v in own.items() if k in ReadingLineage.model_fields},
        reading_activity_value=reading.activity_value,
        reading_co2e_mg=reading.co2e_mg,
        part=part.part,
        part_start=part.part_start,
        part_end=part.part_end,
    )
    return BucketLineage.model_validate(whole)


@router.get(
    "/cities/{city}/live/lineage/factors",
    summary="The factor versions behind one hourly bucket, with their readings and CO2e",
)
async def lineage_factors(
    city: CityPath, gpc_reference: GpcReferenceQuery, hour: Moment, session: DbSession
) -> list[BucketFactor]:
    rows = await AccountingRepository(session).lineage_factors(city, gpc_reference, hour_of(hour))
    return [
        BucketFactor(
            factor_id=r.factor_id,
            factor_version=r.factor_version,
            factor_year=r.factor_year,
            factor_source=r.factor_source,
            gwp_set=r.gwp_set,
            gas=r.gas,
            status=r.status,
            readings=int(r.readings),
            co2e_mg=int(r.co2e_mg),
        )
        for r in rows
    ]


@router.get(
    "/readings/{reading_id}", response_model=ReadingLineage, summary="How one reading was accounted"
)
async def reading_lineage(reading_id: ReadingIdPath, session: DbSession) -> ReadingLineage:
    repo = AccountingRepository(session)
    row = await repo.reading(reading_id)
    if row is None:
        raise ProblemError(
            404,
            "Not Found",
            f"reading '{reading_id}' has not been accounted",
            kind="not-found",
            field="/path/reading_id",
        )
    lineage = ReadingLineage.model_validate(row, from_attributes=True)
    lineage.parts = [
        ReadingPart.model_validate(p, from_attributes=True)
        for p in await repo.parts_of([reading_id])
    ]
    return lineage
