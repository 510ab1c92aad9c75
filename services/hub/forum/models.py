"""Tables of the collaboration forum."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column as SAColumn
from sqlalchemy import ForeignKey, Text, Uuid
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime


class ForumMember(Base, table=True):
    """A member organisation: a city (any token of that city writes as it) or a state body
    (tokens whose subject is enrolled here write as it)."""

    __tablename__ = "forum_members"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation: str = Field(max_length=200)
    kind: str = Field(max_length=10)  # city | state
    city: str | None = Field(default=None, max_length=64, unique=True)
    subject: str | None = Field(default=None, max_length=200, unique=True)
    joined_at: datetime = Field(sa_type=UTCDateTime)


class ForumThread(Base, table=True):
    """A thread; ``visibility`` public is readable by anyone, members only by members."""

    __tablename__ = "forum_threads"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    visibility: str = Field(max_length=10, index=True)
    # A CCC action or a MEL indicator the thread is about (ids of the contracts service).
    action_id: str | None = Field(default=None, max_length=64, index=True)
    indicator_id: str | None = Field(default=None, max_length=64, index=True)
    author_member_id: uuid.UUID = Field(
        sa_column=SAColumn(Uuid(), ForeignKey("forum_members.id"), nullable=False)
    )
    author_subject: str = Field(max_length=200)
    reply_count: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime)


class ForumReply(Base, table=True):
    __tablename__ = "forum_replies"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    thread_id: uuid.UUID = Field(
        sa_column=SAColumn(
            Uuid(), ForeignKey("forum_threads.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    body: str = Field(sa_type=Text)
    author_member_id: uuid.UUID = Field(
        sa_column=SAColumn(Uuid(), ForeignKey("forum_members.id"), nullable=False)
    )
    author_subject: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
