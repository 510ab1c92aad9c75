"""Tables of the knowledge resources: a resource, its text per language, its tags.

The full-text index is not declared here: on PostgreSQL it is a generated ``tsvector`` column
of ``knowledge_resource_texts`` with a GIN index, on SQLite an FTS5 table kept by the
repository; both are created by the migration (see ``search.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy import Column as SAColumn
from sqlalchemy import String as SAString
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime

# Made by the migration, not by these models: autogenerate must not propose to drop them.
Base.metadata.info.setdefault("autogenerate_ignore", set()).update(
    {"search_vector", "ix_knowledge_resource_texts_search", "knowledge_resource_fts"}
)


class Resource(Base, table=True):
    """A guide, case study or tool; ``revision`` counts changes of its original text."""

    __tablename__ = "knowledge_resources"

    slug: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=20, index=True)
    tool_kind: str | None = Field(default=None, max_length=30)
    origin: str = Field(
        max_length=200, description="Who made it (NetZeroCities, Miljødirektoratet…)"
    )
    netzerocities: bool = False
    original_language: str = Field(max_length=5)
    revision: int = 1
    url: str | None = Field(default=None, max_length=500)
    # A city that published it may change it; None: the hub's own (admin only).
    publisher_city: str | None = Field(default=None, max_length=64)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ResourceText(Base, table=True):
    """A resource in one language: the original, or a translation with its status."""

    __tablename__ = "knowledge_resource_texts"
    __table_args__ = (
        UniqueConstraint("resource_slug", "language", name="uq_knowledge_resource_texts_language"),
    )

    # Integer: it is the FTS5 rowid on SQLite.
    id: int | None = Field(
        default=None,
        sa_column=SAColumn(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    resource_slug: str = Field(
        sa_column=SAColumn(
            SAString(100),
            ForeignKey("knowledge_resources.slug", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    language: str = Field(max_length=5)
    title: str = Field(max_length=300)
    summary: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    # original | machine | human_reviewed | outdated (the original changed after it).
    status: str = Field(max_length=20)
    based_on_revision: int
    locally_adapted: bool = False
    adaptation_note: str | None = Field(default=None, sa_type=Text)
    updated_by: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ResourceTag(Base, table=True):
    """One tag of a resource: an effort area, a GPC sector, a city or a CCC action id."""

    __tablename__ = "knowledge_resource_tags"

    resource_slug: str = Field(
        sa_column=SAColumn(
            SAString(100),
            ForeignKey("knowledge_resources.slug", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    facet: str = Field(primary_key=True, max_length=20)
    value: str = Field(primary_key=True, max_length=100)
