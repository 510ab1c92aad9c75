"""Request and response bodies of the forum API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.payloads import CitySlug
from shared.text import StoredText

Visibility = Literal["public", "members"]
MemberKind = Literal["city", "state"]
TopicId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class MemberCreate(BaseModel):
    """A member organisation (admin): a city by its slug, a state body by its token subject."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation: StoredText = Field(min_length=1, max_length=200)
    kind: MemberKind
    city: CitySlug | None = Field(None, description="For kind=city")
    subject: StoredText | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="For kind=state: the subject of its member tokens",
    )


class MemberPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation: str
    kind: MemberKind
    city: str | None
    joined_at: datetime


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: StoredText = Field(min_length=1, max_length=300)
    body: StoredText = Field(min_length=1, max_length=50_000)
    visibility: Visibility = Field(
        "members", description="public: anyone reads it; members: members only"
    )
    action_id: TopicId | None = Field(None, description="A CCC action the thread is about")
    indicator_id: TopicId | None = Field(None, description="An indicator the thread is about")


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: StoredText = Field(min_length=1, max_length=50_000)


class Author(BaseModel):
    member_id: uuid.UUID
    organisation: str


class ReplyPublic(BaseModel):
    id: uuid.UUID
    body: str
    author: Author
    created_at: datetime


class ThreadSummary(BaseModel):
    id: uuid.UUID
    title: str
    visibility: Visibility
    action_id: str | None
    indicator_id: str | None
    author: Author
    reply_count: int
    created_at: datetime
    last_activity_at: datetime


class ThreadPublic(ThreadSummary):
    body: str
    replies: list[ReplyPublic]
