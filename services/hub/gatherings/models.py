"""Tables of gatherings: the gathering, its tracks, sessions and speakers, and registrations.
Every instant is stored in UTC; the gathering's time zone is kept to show local times."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy import Column as SAColumn
from sqlalchemy import String as SAString
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime


def _fk(target: str, length: int = 100, **kwargs: Any) -> Any:
    return SAColumn(SAString(length), ForeignKey(target, ondelete="CASCADE"), **kwargs)


class Gathering(Base, table=True):
    """A conference or gathering; its row is locked while places are handed out."""

    __tablename__ = "gatherings"

    slug: str = Field(primary_key=True, max_length=100)
    title: str = Field(max_length=300)
    description: str = Field(sa_type=Text)
    venue: str = Field(max_length=300)
    organiser: str = Field(sa_type=Text)
    # A city that organises it may manage it and read its participants (besides an admin).
    organiser_city: str | None = Field(default=None, max_length=64)
    time_zone: str = Field(max_length=64)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    registration_deadline: datetime = Field(sa_type=UTCDateTime)
    capacity: int | None = None
    price_note: str | None = Field(default=None, sa_type=Text)
    contact: str | None = Field(default=None, max_length=300)
    source: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Track(Base, table=True):
    """A parallel track (løp) a participant chooses at registration."""

    __tablename__ = "gathering_tracks"

    gathering_slug: str = Field(sa_column=_fk("gatherings.slug", primary_key=True))
    key: str = Field(primary_key=True, max_length=8)
    day: date
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    capacity: int | None = None
    position: int = 0


class ProgrammeSession(Base, table=True):
    """One item of the programme, plenary (no track) or in a track."""

    __tablename__ = "gathering_sessions"

    id: int | None = Field(
        default=None,
        sa_column=SAColumn(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    gathering_slug: str = Field(sa_column=_fk("gatherings.slug", nullable=False, index=True))
    track_key: str | None = Field(default=None, max_length=8)
    position: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    title: str = Field(sa_type=Text)
    description: str = Field(default="", sa_type=Text)
    kind: str = Field(max_length=20)


class SessionSpeaker(Base, table=True):
    __tablename__ = "gathering_session_speakers"

    session_id: int = Field(
        sa_column=SAColumn(
            BigInteger().with_variant(Integer(), "sqlite"),
            ForeignKey("gathering_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(primary_key=True)
    name: str = Field(max_length=200)
    role: str | None = Field(default=None, max_length=300)


class Registration(Base, table=True):
    """A person's registration. ``sequence`` (assigned under the gathering's lock) is the
    order of arrival: the waitlist is served first come, first served."""

    __tablename__ = "gathering_registrations"
    __table_args__ = (UniqueConstraint("public_id", name="uq_gathering_registrations_public_id"),)

    sequence: int | None = Field(
        default=None,
        sa_column=SAColumn(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    public_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    gathering_slug: str = Field(sa_column=_fk("gatherings.slug", nullable=False, index=True))
    track_key: str | None = Field(default=None, max_length=8)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    organisation: str | None = Field(default=None, max_length=200)
    # confirmed | waitlisted | cancelled
    status: str = Field(max_length=20, index=True)
    # SHA-256 of the token shown once at registration; it lets the person cancel.
    token_hash: str = Field(max_length=64)
    registered_at: datetime = Field(sa_type=UTCDateTime)
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
