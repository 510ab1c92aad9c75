"""Reads and writes of resources, their texts, tags and full-text index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.hub.resources import search
from services.hub.resources.models import Resource, ResourceTag, ResourceText


@dataclass(frozen=True)
class TextMatch:
    """A text the engine matched, with its rank (higher is better)."""

    text_id: int
    resource_slug: str
    language: str
    rank: float


class ResourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def is_postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def get(self, slug: str, *, for_update: bool = False) -> Resource | None:
        query = select(Resource).where(col(Resource.slug) == slug)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    def add(self, resource: Resource) -> None:
        self.session.add(resource)

    async def texts(self, slugs: Sequence[str]) -> dict[str, list[ResourceText]]:
        out: dict[str, list[ResourceText]] = defaultdict(list)
        if not slugs:
            return out
        query = (
            select(ResourceText)
            .where(col(ResourceText.resource_slug).in_(slugs))
            .order_by(col(ResourceText.resource_slug), col(ResourceText.language))
        )
        for row in (await self.session.execute(query)).scalars():
            out[row.resource_slug].append(row)
        return out

    async def tags(self, slugs: Sequence[str]) -> dict[str, list[ResourceTag]]:
        out: dict[str, list[ResourceTag]] = defaultdict(list)
        if not slugs:
            return out
        query = (
            select(ResourceTag)
            .where(col(ResourceTag.resource_slug).in_(slugs))
            .order_by(col(ResourceTag.facet), col(ResourceTag.value))
        )
        for row in (await self.session.execute(query)).scalars():
            out[row.resource_slug].append(row)
        return out

    async def replace_tags(self, slug: str, tags: Sequence[tuple[str, str]]) -> None:
        await self.session.execute(
            delete(ResourceTag).where(col(ResourceTag.resource_slug) == slug)
        )
        for facet, value in sorted(set(tags)):
            self.session.add(ResourceTag(resource_slug=slug, facet=facet, value=value))
        await self.session.flush()

    async def save_text(self, row: ResourceText) -> None:
        """Write a text and (on SQLite) its stems in the FTS5 table, in the same transaction."""
        self.session.add(row)
        await self.session.flush()
        if not self.is_postgres:
            assert row.id is not None
            await self.session.execute(
                text("DELETE FROM knowledge_resource_fts WHERE rowid = :id"), {"id": row.id}
            )
            await self.session.execute(
                text(
                    "INSERT INTO knowledge_resource_fts (rowid, title, summary, body, language) "
                    "VALUES (:id, :title, :summary, :body, :language)"
                ),
                {
                    "id": row.id,
                    "title": search.stemmed(row.title, row.language),
                    "summary": search.stemmed(row.summary, row.language),
                    "body": search.stemmed(row.body, row.language),
                    "language": row.language,
                },
            )

    async def filtered_slugs(
        self,
        *,
        kind: str | None,
        tool_kind: str | None,
        netzerocities: bool | None,
        tag_filters: Sequence[tuple[str, str]],
    ) -> list[str]:
        query = select(col(Resource.slug))
        if kind:
            query = query.where(col(Resource.kind) == kind)
        if tool_kind:
            query = query.where(col(Resource.tool_kind) == tool_kind)
        if netzerocities is not None:
            query = query.where(col(Resource.netzerocities) == netzerocities)
        for facet, value in tag_filters:
            query = query.where(
                select(ResourceTag.resource_slug)  # type: ignore[call-overload]
                .where(
                    col(ResourceTag.resource_slug) == col(Resource.slug),
                    col(ResourceTag.facet) == facet,
                    col(ResourceTag.value) == value,
                )
                .exists()
            )
        return list((await self.session.execute(query)).scalars())

    async def all_texts(self) -> list[TextMatch]:
        query = select(
            col(ResourceText.id), col(ResourceText.resource_slug), col(ResourceText.language)
        )
        rows = (await self.session.execute(query)).all()
        return [TextMatch(i, s, lang, 0.0) for i, s, lang in rows if i is not None]

    async def match(self, q: str) -> list[TextMatch]:
        """Every text the engine matches for ``q`` in that text's own language."""
        return await (self._match_postgres(q) if self.is_postgres else self._match_sqlite(q))

    async def _match_postgres(self, q: str) -> list[TextMatch]:
        matches: list[TextMatch] = []
        for config, languages in search.configurations().items():
            # One configuration per statement keeps the GIN index usable.
            statement = text(
                "SELECT id, resource_slug, language, "
                "ts_rank_cd(search_vector, plainto_tsquery(CAST(:config AS regconfig), :q)) AS rank "
                "FROM knowledge_resource_texts "
                "WHERE language IN :languages "
                "AND search_vector @@ plainto_tsquery(CAST(:config AS regconfig), :q)"
            ).bindparams(bindparam("languages", expanding=True))
            result = await self.session.execute(
                statement, {"config": config, "q": q, "languages": languages}
            )
            matches += [TextMatch(i, s, lang, float(r)) for i, s, lang, r in result.all()]
        return matches

    async def _match_sqlite(self, q: str) -> list[TextMatch]:
        matches: list[TextMatch] = []
        w = search.WEIGHTS
        for language in search.LANGUAGES:
            fts = search.fts5_query(q, language)
            if fts is None:
                continue
            result = await self.session.execute(
                text(
                    f"SELECT f.rowid, t.resource_slug, t.language, "
                    f"-bm25(knowledge_resource_fts, {w[0]}, {w[1]}, {w[2]}) AS rank "
                    "FROM knowledge_resource_fts AS f "
                    "JOIN knowledge_resource_texts AS t ON t.id = f.rowid "
                    "WHERE knowledge_resource_fts MATCH :fts AND f.language = :language"
                ),
                {"fts": fts, "language": language},
            )
            matches += [TextMatch(i, s, lang, float(r)) for i, s, lang, r in result.all()]
        return matches
