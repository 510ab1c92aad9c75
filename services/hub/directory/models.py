"""Tables of the network directory: its entries, their reach and actors, and memberships."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy import Column as SAColumn
from sqlalchemy import String as SAString
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime


class DirectoryEntry(Base, table=True):
    """A network (or a mission city) as the hub's directory describes it, in the source's words."""

    __tablename__ = "directory_entries"

    slug: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    # The source's own wording of the reach ("Regionalt, nasjonalt", "Svensk").
    reach_text: str = Field(max_length=100)
    country: str | None = Field(default=None, max_length=2)
    # None where the source does not say.
    membership_fee: bool | None = None
    fee_note: str | None = Field(default=None, sa_type=Text)
    mandate: str = Field(sa_type=Text)
    organisation: str = Field(max_length=300)
    website: str | None = Field(default=None, max_length=300)
    known_members: list[str] = Field(default_factory=list, sa_type=JSON)
    source: str = Field(sa_type=Text)
    # Case-folded name, description, mandate and organisation: SQLite's lower() folds ASCII
    # only, so "Nærings" would never match "nærings" in the database itself.
    search_text: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DirectoryReach(Base, table=True):
    """One reach of an entry (an entry may have several: Nordic Edge is regional and national)."""

    __tablename__ = "directory_reaches"

    entry_slug: str = Field(
        sa_column=SAColumn(
            SAString(80),
            ForeignKey("directory_entries.slug", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    reach: str = Field(primary_key=True, max_length=20)


class DirectoryActor(Base, table=True):
    """One kind of actor an entry gathers (municipalities, business, academia, …)."""

    __tablename__ = "directory_actors"

    entry_slug: str = Field(
        sa_column=SAColumn(
            SAString(80),
            ForeignKey("directory_entries.slug", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    actor: str = Field(primary_key=True, max_length=30)


class NetworkMembership(Base, table=True):
    """A city or a partner linked to a network it belongs to."""

    __tablename__ = "network_memberships"
    __table_args__ = (
        UniqueConstraint("network_slug", "member_key", name="uq_network_memberships_member"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    network_slug: str = Field(
        sa_column=SAColumn(
            SAString(80),
            ForeignKey("directory_entries.slug", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    # "city:oslo" or "partner:<uuid>": one key, so a member is linked once.
    member_key: str = Field(max_length=100)
    member_kind: str = Field(max_length=10)
    # The city the member belongs to (a partner's city): whose token may change the link.
    city: str = Field(max_length=64, index=True)
    partner_id: uuid.UUID | None = None
    partner_name: str | None = Field(default=None, max_length=200)
    linked_by: str = Field(max_length=200)
    linked_at: datetime = Field(sa_type=UTCDateTime)


def entry_search_text(entry: dict[str, Any]) -> str:
    parts = [entry["name"], entry["description"], entry["mandate"], entry["organisation"]]
    parts += list(entry.get("known_members") or [])
    return " ".join(parts).casefold()
