"""REST: knowledge resources, their translations, and full-text search with facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.hub.cities import ensure_known_cities
from services.hub.resources import service
from services.hub.resources.schemas import (
    ActionId,
    EffortArea,
    GpcSector,
    Language,
    ResourceCreate,
    ResourceKind,
    ResourcePublic,
    ResourceTextPublic,
    SearchResult,
    ToolKind,
    TranslationIn,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.events.payloads import CITY_SLUG_PATTERN
from shared.pagination import Offset
from shared.text import StoredText

router = APIRouter(prefix="/v1/resources", tags=["resources"])

SlugPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", description="The resource's slug")
]


@router.get("", summary="Search resources (full text, stemmed) with facets")
async def search_resources(
    session: DbSession,
    q: StoredText | None = Query(
        None,
        max_length=300,
        description="Words to find (stemmed: 'klimabudsjettet' finds 'klimabudsjett')",
    ),
    kind: ResourceKind | None = Query(None),
    tool_kind: ToolKind | None = Query(None),
    netzerocities: bool | None = Query(
        None, description="Only NetZeroCities material (true) or none of it (false)"
    ),
    effort_area: list[EffortArea] = Query([], description="All of these effort areas"),
    gpc_sector: list[GpcSector] = Query([], description="All of these GPC sectors"),
    city: list[str] = Query(
        [],
        description="Tagged with all of these cities",
        # The slug's pattern for the document; ensure_known_cities checks it (with the hint
        # for a wrong case) and that the city is known.
        json_schema_extra={"items": {"type": "string", "pattern": CITY_SLUG_PATTERN}},
    ),
    ccc_action: list[ActionId] = Query([], description="Documents all of these CCC actions"),
    language: list[Language] = Query([], description="Only texts in these languages"),
    limit: int = Query(20, ge=1, le=100),
    offset: Offset = 0,
) -> SearchResult:
    await ensure_known_cities(session, city, "/query/city")
    return await service.search(
        session,
        q=q,
        kind=kind,
        tool_kind=tool_kind,
        netzerocities=netzerocities,
        effort_area=effort_area,
        gpc_sector=gpc_sector,
        city=city,
        ccc_action=ccc_action,
        language=language,
        limit=limit,
        offset=offset,
    )


@router.post(
    "",
    status_code=201,
    summary="Add a resource with its original text (admin, or the publishing city)",
)
async def create_resource(
    data: ResourceCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ResourcePublic:
    resource = await service.create(session, principal, data)
    response.headers["Location"] = str(request.url_for("get_resource", slug=resource.slug))
    return await service.present(session, resource)


@router.get("/{slug}", summary="One resource with every language's text and status")
async def get_resource(slug: SlugPath, session: DbSession) -> ResourcePublic:
    return await service.present(session, await service.get(session, slug))


@router.put(
    "/{slug}/texts/{language}",
    summary="Revise the original (translations become outdated) or set a translation",
    responses={200: {"description": "Replaced"}, 201: {"description": "Added"}},
)
async def set_text(
    slug: SlugPath,
    language: Language,
    data: TranslationIn,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ResourceTextPublic:
    row, created = await service.set_text(session, principal, slug, language, data)
    response.status_code = 201 if created else 200
    return ResourceTextPublic(
        language=row.language,
        title=row.title,
        summary=row.summary,
        body=row.body,
        status=row.status,
        based_on_revision=row.based_on_revision,
        locally_adapted=row.locally_adapted,
        adaptation_note=row.adaptation_note,
        updated_at=row.updated_at,
    )
