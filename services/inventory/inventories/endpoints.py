"""REST: a city's yearly GPC inventories, their versions, entries, views and audit trail.

Published versions are public; drafts need a token of the city (or admin). Writes need a token
of the city (or admin) and a draft version: a published version answers 409.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.inventory.budget.pace import evaluate_city

# 422 wrong case, 404 unknown city (imports and exports import it from here too).
from services.inventory.cities.service import CityPath
from services.inventory.gpc.catalogue import CELL_REFERENCES
from services.inventory.imports.repository import AgencyRepository
from services.inventory.inventories import service, views
from services.inventory.inventories.access import may_see_drafts, optional_principal
from services.inventory.inventories.repository import InventoryRepository
from services.inventory.inventories.schemas import (
    Change,
    Completeness,
    EntryPublic,
    EntryWrite,
    GpcView,
    InventoryCreate,
    InventorySummary,
    TerritorialView,
    VersionCreate,
    VersionPublic,
    VersionSummary,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/cities/{city}/inventories", tags=["inventories"])

YearPath = Annotated[int, Path(ge=1990, le=2100, description="Calendar year of the inventory")]
VersionPath = Annotated[int, Path(ge=1, le=1_000_000, description="Version number, from 1")]
CellPath = Annotated[
    str,
    Path(
        max_length=16,
        description="GPC reference, e.g. I.1.2",
        json_schema_extra={"enum": CELL_REFERENCES},
    ),
]
Reader = Annotated[Principal | None, Depends(optional_principal)]
Writer = Annotated[Principal, Depends(require_principal)]


async def _version_public(session: DbSession, ref: service.VersionRef) -> VersionPublic:
    entries = await service.entries_of(session, ref)
    return VersionPublic(
        **views.version_summary(ref.inventory, ref.version).model_dump(),
        entries=[views.entry_public(e) for e in entries],
    )


def _location(request: Request, city: str, year: int, version: int) -> str:
    return str(request.url_for("get_version", city=city, year=year, version=version))


@router.get("", summary="A city's inventories by year (drafts only with a token of the city)")
async def list_inventories(
    city: CityPath, session: DbSession, principal: Reader
) -> list[InventorySummary]:
    repo = InventoryRepository(session)
    inventories = await repo.of_city(city)
    versions = await repo.versions([i.id for i in inventories if i.id is not None])
    drafts = may_see_drafts(principal, city)
    result = []
    for inventory in inventories:
        own = [v for v in versions if v.inventory_id == inventory.id]
        visible = own if drafts else [v for v in own if v.status == "published"]
        if not visible:
            continue
        result.append(
            InventorySummary(
                city=city,
                year=inventory.year,
                latest_version=visible[-1].version,
                latest_status=visible[-1].status,
                published_versions=[v.version for v in own if v.status == "published"],
            )
        )
    return result


@router.post(
    "",
    status_code=201,
    summary="Start a city's inventory for a year (version 1, a draft; token of the city)",
)
async def create_inventory(
    city: CityPath,
    data: InventoryCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Writer,
) -> VersionPublic:
    ref = await service.create_inventory(session, principal, city, data)
    response.headers["Location"] = _location(request, city, data.year, 1)
    return await _version_public(session, ref)


@router.get(
    "/{year}",
    summary="The newest version the caller may read (published unless a token of the city)",
)
async def get_latest(
    city: CityPath, year: YearPath, session: DbSession, principal: Reader
) -> VersionPublic:
    ref = await service.find_version(session, principal, city, year, None)
    return await _version_public(session, ref)


@router.get("/{year}/versions", summary="The versions of a year's inventory, oldest first")
async def list_versions(
    city: CityPath, year: YearPath, session: DbSession, principal: Reader
) -> list[VersionSummary]:
    inventory, versions = await service.readable_versions(session, principal, city, year)
    return [views.version_summary(inventory, v) for v in versions]


@router.post(
    "/{year}/versions",
    status_code=201,
    summary="Start version n+1 as a draft copied from the published version n (how a published "
    "inventory changes); level and GWP set may change",
)
async def create_version(
    city: CityPath,
    year: YearPath,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Writer,
    data: VersionCreate | None = None,
) -> VersionPublic:
    ref = await service.new_version(session, principal, city, year, data or VersionCreate())
    response.headers["Location"] = _location(request, city, year, ref.version.version)
    return await _version_public(session, ref)


@router.get("/{year}/versions/{version}", summary="One version with its entries")
async def get_version(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> VersionPublic:
    ref = await service.find_version(session, principal, city, year, version)
    return await _version_public(session, ref)


@router.post(
    "/{year}/versions/{version}/publish",
    summary="Publish a complete draft (409 listing the missing cells otherwise); it becomes "
    "immutable and inventory.published is emitted",
)
async def publish_version(
    city: CityPath,
    year: YearPath,
    version: VersionPath,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> VersionPublic:
    ref = await service.publish(session, request.app.state.outbox, principal, city, year, version)
    # The budget's pace leans on the last published inventory: it moves with a new one.
    await evaluate_city(session, request.app.state.outbox, city, datetime.now(UTC))
    return await _version_public(session, ref)


@router.get("/{year}/versions/{version}/entries", summary="A version's entries in GPC order")
async def list_entries(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> list[EntryPublic]:
    ref = await service.find_version(session, principal, city, year, version)
    return [views.entry_public(e) for e in await service.entries_of(session, ref)]


@router.get("/{year}/versions/{version}/entries/{gpc_reference}", summary="One cell's entry")
async def get_entry(
    city: CityPath,
    year: YearPath,
    version: VersionPath,
    gpc_reference: CellPath,
    session: DbSession,
    principal: Reader,
) -> EntryPublic:
    ref = await service.find_version(session, principal, city, year, version)
    service.cell_or_422(gpc_reference)
    entry = await InventoryRepository(session).entry(ref.version_id, gpc_reference)
    if entry is None:
        raise service.no_entry(version, gpc_reference)
    return views.entry_public(entry)


@router.put(
    "/{year}/versions/{version}/entries/{gpc_reference}",
    summary="Set one cell of a draft: activity data with factors (emissions computed), reported "
    "emissions with their method, or a notation key with its explanation (201 new, 200 replaced)",
    responses={201: {"model": EntryPublic, "description": "The cell had no entry before"}},
)
async def put_entry(
    city: CityPath,
    year: YearPath,
    version: VersionPath,
    gpc_reference: CellPath,
    data: EntryWrite,
    response: Response,
    session: DbSession,
    principal: Writer,
) -> EntryPublic:
    ref = await service.writable_version(session, principal, city, year, version)
    entry, created = await service.set_entry(session, principal, ref, gpc_reference, data)
    response.status_code = 201 if created else 200
    return views.entry_public(entry)


@router.delete(
    "/{year}/versions/{version}/entries/{gpc_reference}",
    status_code=204,
    summary="Remove one cell's entry from a draft",
)
async def delete_entry(
    city: CityPath,
    year: YearPath,
    version: VersionPath,
    gpc_reference: CellPath,
    session: DbSession,
    principal: Writer,
) -> Response:
    ref = await service.writable_version(session, principal, city, year, version)
    await service.delete_entry(session, principal, ref, gpc_reference)
    return Response(status_code=204)


@router.get(
    "/{year}/versions/{version}/completeness",
    summary="The required cells still missing for BASIC and for BASIC+",
)
async def completeness(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> Completeness:
    ref = await service.find_version(session, principal, city, year, version)
    entries = await service.entries_of(session, ref)
    levels, warnings = views.completeness(entries)
    level = views.as_level(ref.version.level)
    return Completeness(
        city=city,
        year=year,
        version=version,
        inventory_level=level,
        levels=levels,
        warnings=warnings,
        flags=views.entry_flags(entries),
    )


@router.get(
    "/{year}/versions/{version}/views/gpc",
    summary="GPC view: totals by sector, subsector, scope and gas; BASIC and BASIC+ totals",
)
async def gpc_view(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> GpcView:
    ref = await service.find_version(session, principal, city, year, version)
    entries = await service.entries_of(session, ref)
    level = views.as_level(ref.version.level)
    gwp_set = views.as_gwp_set(ref.version.gwp_set)
    basic = views.level_total(entries, "BASIC")
    basic_plus = views.level_total(entries, "BASIC+")
    return GpcView(
        city=city,
        year=year,
        version=version,
        status=ref.version.status,
        level=level,
        gwp_set=gwp_set,
        total=views.amount(basic if level == "BASIC" else basic_plus),
        basic=views.amount(basic),
        basic_plus=views.amount(basic_plus),
        territorial_only=views.amount(views.territorial_only_total(entries)),
        **views.gpc_breakdown(entries, level, gwp_set),
    )


@router.get(
    "/{year}/versions/{version}/views/territorial",
    summary="Territorial view as the Norwegian Environment Agency counts it (scope 2 electricity "
    "and district heating count zero), with the agency's own figures when imported",
)
async def territorial_view(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> TerritorialView:
    ref = await service.find_version(session, principal, city, year, version)
    entries = await service.entries_of(session, ref)
    agency = await AgencyRepository(session).sector_totals(city, year)
    total, sectors, excluded = views.territorial(entries, agency or None)
    return TerritorialView(
        city=city,
        year=year,
        version=version,
        status=ref.version.status,
        gwp_set=ref.version.gwp_set,
        total=views.amount(total),
        sectors=sectors,
        counted_zero=excluded,
    )


@router.get(
    "/{year}/versions/{version}/audit",
    summary="Who changed what in a version, and when, oldest first",
)
async def audit_trail(
    city: CityPath, year: YearPath, version: VersionPath, session: DbSession, principal: Reader
) -> list[Change]:
    ref = await service.find_version(session, principal, city, year, version)
    return [
        Change(
            at=c.at,
            subject=c.subject,
            role=c.role,
            action=c.action,
            gpc_reference=c.gpc_reference,
            detail=c.detail,
        )
        for c in await InventoryRepository(session).changes(ref.version_id)
    ]
