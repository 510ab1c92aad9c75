"""An MoU between a city and one of its partners, its two signatures and its history."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime
from shared.events.payloads import MouState

MouStatus = MouState


class Mou(Base, table=True):
    """A memorandum of understanding; the city is the partner's, copied for city queries."""

    __tablename__ = "mous"
    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'signed', 'active', 'reported', 'renewed', 'ended')",
            name="ck_mous_status",
        ),
        CheckConstraint("tier IN ('partner', 'supporter')", name="ck_mous_tier"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", index=True)
    city: str = Field(max_length=64, index=True)
    title: str = Field(max_length=300)
    tier: str = Field(default="partner", max_length=16)
    text: str | None = Field(default=None, sa_type=Text)
    document_url: str | None = Field(default=None, max_length=2000)
    # NULL only for MoUs drafted before periods were recorded (migrated).
    period_start: date | None = None
    period_end: date | None = None
    status: str = Field(default="proposed", max_length=16)
    renews_mou_id: uuid.UUID | None = Field(default=None, foreign_key="mous.id")
    proposed_by: str | None = Field(default=None, max_length=200)
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    signed_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="When the second signature made it signed by both sides",
    )
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MouSignature(Base, table=True):
    """One side's signature: the person who signed, the day, and the credential that recorded it."""

    __tablename__ = "mou_signatures"
    __table_args__ = (
        UniqueConstraint("mou_id", "side", name="uq_mou_signatures_side"),
        CheckConstraint("side IN ('city', 'partner')", name="ck_mou_signatures_side"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mou_id: uuid.UUID = Field(foreign_key="mous.id", index=True)
    side: str = Field(max_length=8)
    signatory: str = Field(max_length=200)
    signed_on: date
    signed_by: str = Field(max_length=200)
    signed_at: datetime = Field(sa_type=UTCDateTime)


class MouTransition(Base, table=True):
    """One step of an MoU's lifecycle, with who took it, when, and why."""

    __tablename__ = "mou_transitions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mou_id: uuid.UUID = Field(foreign_key="mous.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=2000)
    changed_by: str = Field(max_length=200)
    changed_at: datetime = Field(sa_type=UTCDateTime)
