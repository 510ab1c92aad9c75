"""Resources: creating them, translating them (status per language), searching them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.resources.models import Resource, ResourceTag, ResourceText
from services.hub.resources.repository import ResourceRepository, TextMatch
from services.hub.resources.schemas import (
    FacetCount,
    Facets,
    LanguageStatus,
    ResourceCreate,
    ResourcePublic,
    ResourceTextPublic,
    SearchHit,
    SearchResult,
    Tags,
    TranslationIn,
)
from shared.auth import Principal
from shared.problems import ProblemError

FACET_OF_FIELD = {
    "effort_areas": "effort_area",
    "gpc_sectors": "gpc_sector",
    "cities": "city",
    "ccc_actions": "ccc_action",
}


def _tag_rows(tags: Tags) -> list[tuple[str, str]]:
    return [
        (facet, value) for field, facet in FACET_OF_FIELD.items() for value in getattr(tags, field)
    ]


def _tags_of(rows: Sequence[ResourceTag]) -> Tags:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        grouped[row.facet].append(row.value)
    return Tags.model_validate({field: grouped[facet] for field, facet in FACET_OF_FIELD.items()})


def _ensure_can_edit(principal: Principal, publisher_city: str | None, field: str) -> None:
    if principal.is_admin or (publisher_city is not None and principal.can_write(publisher_city)):
        return
    raise ProblemError(
        403,
        "Forbidden",
        "only an admin, or the publishing city's token, may write this resource",
        kind="forbidden",
        field=field,
    )


async def create(session: AsyncSession, principal: Principal, data: ResourceCreate) -> Resource:
    _ensure_can_edit(principal, data.publisher_city, "/body/publisher_city")
    if data.tool_kind is not None and data.kind != "tool":
        raise ProblemError(
            422,
            "Unprocessable Content",
            "tool_kind is only for kind=tool",
            kind="validation",
            field="/body/tool_kind",
        )
    repo = ResourceRepository(session)
    if await repo.get(data.slug) is not None:
        raise ProblemError(
            409, "Conflict", f"a resource '{data.slug}' exists", kind="conflict", field="/body/slug"
        )
    now = datetime.now(UTC)
    resource = Resource(
        slug=data.slug,
        kind=data.kind,
        tool_kind=data.tool_kind,
        origin=data.origin,
        netzerocities=data.netzerocities,
        original_language=data.language,
        revision=1,
        url=data.url,
        publisher_city=data.publisher_city,
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
    )
    repo.add(resource)
    await session.flush()
    await repo.save_text(
        ResourceText(
            resource_slug=data.slug,
            language=data.language,
            title=data.text.title,
            summary=data.text.summary,
            body=data.text.body,
            status="original",
            based_on_revision=1,
            locally_adapted=data.text.locally_adapted,
            adaptation_note=data.text.adaptation_note,
            updated_by=principal.actor,
            updated_at=now,
        )
    )
    await repo.replace_tags(data.slug, _tag_rows(data.tags))
    return resource


async def get(session: AsyncSession, slug: str, *, for_update: bool = False) -> Resource:
    resource = await ResourceRepository(session).get(slug, for_update=for_update)
    if resource is None:
        raise ProblemError(
            404, "Not Found", f"no resource '{slug}'", kind="not-found", field="/path/slug"
        )
    return resource


async def set_text(
    session: AsyncSession, principal: Principal, slug: str, language: str, data: TranslationIn
) -> tuple[ResourceText, bool]:
    """Revise the original (its translations become outdated) or set a translation."""
    # Locked: two editors revising at once must not both think they made revision n+1.
    resource = await get(session, slug, for_update=True)
    _ensure_can_edit(principal, resource.publisher_city, "/path/slug")
    repo = ResourceRepository(session)
    texts = {t.language: t for t in (await repo.texts([slug]))[slug]}
    now = datetime.now(UTC)
    is_original = language == resource.original_language
    if is_original and data.status is not None:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"'{language}' is the original language: it has no translation status",
            kind="validation",
            field="/body/status",
        )
    if not is_original and data.status is None:
        raise ProblemError(
            422,
            "Unprocessable Content",
            "a translation needs its status: machine or human_reviewed",
            kind="validation",
            field="/body/status",
        )
    existing = texts.get(language)
    created = existing is None
    row = existing or ResourceText(
        resource_slug=slug,
        language=language,
        title="",
        summary="",
        body="",
        status="",
        based_on_revision=resource.revision,
        updated_by=principal.actor,
        updated_at=now,
    )
    if is_original:
        changed = (row.title, row.summary, row.body) != (data.title, data.summary, data.body)
        if changed:
            resource.revision += 1
            for other in texts.values():
                if other.language != language and other.status != "outdated":
                    other.status = "outdated"
                    session.add(other)
        row.status = "original"
    else:
        row.status = data.status or "machine"
    row.based_on_revision = resource.revision
    row.title, row.summary, row.body = data.title, data.summary, data.body
    row.locally_adapted = data.locally_adapted
    row.adaptation_note = data.adaptation_note
    row.updated_by = principal.actor
    row.updated_at = now
    resource.updated_at = now
    session.add(resource)
    await repo.save_text(row)
    return row, created


async def present(session: AsyncSession, resource: Resource) -> ResourcePublic:
    repo = ResourceRepository(session)
    texts = (await repo.texts([resource.slug]))[resource.slug]
    tags = (await repo.tags([resource.slug]))[resource.slug]
    return ResourcePublic(
        slug=resource.slug,
        kind=resource.kind,
        tool_kind=resource.tool_kind,
        origin=resource.origin,
        netzerocities=resource.netzerocities,
        url=resource.url,
        publisher_city=resource.publisher_city,
        original_language=resource.original_language,
        revision=resource.revision,
        tags=_tags_of(tags),
        languages=[_status(t) for t in texts],
        texts=[
            ResourceTextPublic(
                language=t.language,
                title=t.title,
                summary=t.summary,
                body=t.body,
                status=t.status,
                based_on_revision=t.based_on_revision,
                locally_adapted=t.locally_adapted,
                adaptation_note=t.adaptation_note,
                updated_at=t.updated_at,
            )
            for t in texts
        ],
        created_at=resource.created_at,
        updated_at=resource.updated_at,
    )


def _status(t: ResourceText) -> LanguageStatus:
    return LanguageStatus(
        language=t.language,
        status=t.status,
        locally_adapted=t.locally_adapted,
    )


async def search(
    session: AsyncSession,
    *,
    q: str | None,
    kind: str | None,
    tool_kind: str | None,
    netzerocities: bool | None,
    effort_area: Sequence[str],
    gpc_sector: Sequence[str],
    city: Sequence[str],
    ccc_action: Sequence[str],
    language: Sequence[str],
    limit: int,
    offset: int,
) -> SearchResult:
    """Text matched and ranked by the database; filters and facets over every match."""
    repo = ResourceRepository(session)
    tag_filters = (
        [("effort_area", v) for v in effort_area]
        + [("gpc_sector", v) for v in gpc_sector]
        + [("city", v) for v in city]
        + [("ccc_action", v) for v in ccc_action]
    )
    allowed = set(
        await repo.filtered_slugs(
            kind=kind, tool_kind=tool_kind, netzerocities=netzerocities, tag_filters=tag_filters
        )
    )
    matches: list[TextMatch] = await (repo.match(q) if q and q.strip() else repo.all_texts())
    by_resource: dict[str, list[TextMatch]] = defaultdict(list)
    for m in matches:
        if m.resource_slug in allowed and (not language or m.language in language):
            by_resource[m.resource_slug].append(m)

    slugs = list(by_resource)
    texts = await repo.texts(slugs)
    tags = await repo.tags(slugs)
    resources: dict[str, Resource] = {}
    for slug in slugs:
        found = await repo.get(slug)
        assert found is not None  # matched in this very transaction
        resources[slug] = found

    def best(slug: str) -> TextMatch:
        original = resources[slug].original_language
        return max(by_resource[slug], key=lambda m: (m.rank, m.language == original))

    ordered = sorted(slugs, key=lambda s: (-best(s).rank, s))
    counts: dict[str, Counter[str]] = {
        f: Counter() for f in ("effort_area", "gpc_sector", "kind", "language")
    }
    for slug in slugs:
        resource = resources[slug]
        assert resource is not None
        counts["kind"][resource.kind] += 1
        for lang in {m.language for m in by_resource[slug]}:
            counts["language"][lang] += 1
        for tag in tags[slug]:
            if tag.facet in ("effort_area", "gpc_sector"):
                counts[tag.facet][tag.value] += 1

    def facet(name: str) -> list[FacetCount]:
        return [
            FacetCount(value=v, count=c)
            for v, c in sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    hits: list[SearchHit] = []
    for slug in ordered[offset : offset + limit]:
        resource = resources[slug]
        assert resource is not None
        top = best(slug)
        text_row = next(t for t in texts[slug] if t.id == top.text_id)
        hits.append(
            SearchHit(
                slug=slug,
                kind=resource.kind,
                tool_kind=resource.tool_kind,
                netzerocities=resource.netzerocities,
                language=text_row.language,
                title=text_row.title,
                summary=text_row.summary,
                rank=round(top.rank, 6),
                matched_languages=sorted({m.language for m in by_resource[slug]}),
                languages=[_status(t) for t in texts[slug]],
                tags=_tags_of(tags[slug]),
            )
        )
    return SearchResult(
        total=len(slugs),
        results=hits,
        facets=Facets(
            effort_area=facet("effort_area"),
            gpc_sector=facet("gpc_sector"),
            kind=facet("kind"),
            language=facet("language"),
        ),
    )
