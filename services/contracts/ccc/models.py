"""A city's CCC versions (each document stored whole) and every step of their lifecycle."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime

_STATUSES = "'draft','submitted','in_review','revision_requested','resubmitted','label_awarded'"


class CccVersion(Base, table=True):
    """One version of a city's Climate City Contract: its status and its document."""

    __tablename__ = "ccc_versions"
    __table_args__ = (
        UniqueConstraint("city", "version", name="uq_ccc_versions_city_version"),
        CheckConstraint(f"status IN ({_STATUSES})", name="ck_ccc_versions_status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    city: str = Field(max_length=64, index=True)
    version: int
    status: str = Field(default="draft", max_length=32)
    copied_from_version: int | None = None
    # The validated CccDocument as JSON (pydantic's JSON mode: tonnes and NOK as strings).
    document: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class CccTransition(Base, table=True):
    """A step of a version's history: who moved it, when, and the comments per module."""

    __tablename__ = "ccc_transitions"

    id: int | None = Field(default=None, primary_key=True)
    city: str = Field(max_length=64, index=True)
    version: int
    transition: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    by: str = Field(max_length=200)
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    comments: dict[str, str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
