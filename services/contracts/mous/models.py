"""An MoU between a city and one of its partners: drafted, then signed once."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from services.contracts.db import Base

MouStatus = Literal["drafted", "signed"]


class Mou(Base, table=True):
    """A memorandum of understanding; the city is the partner's, copied for city queries."""

    __tablename__ = "mous"
    __table_args__ = (
        CheckConstraint("status IN ('drafted', 'signed')", name="ck_mous_status"),
        # A signed MoU names who signed it and when; a draft names neither.
        CheckConstraint(
            "(status = 'signed') = (signatory IS NOT NULL AND signed_on IS NOT NULL)",
            name="ck_mous_signature",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", index=True)
    city: str = Field(max_length=64, index=True)
    title: str = Field(max_length=300)
    status: str = Field(default="drafted", max_length=16)
    signatory: str | None = Field(default=None, max_length=200)
    signed_on: date | None = None
    drafted_at: datetime
    signed_at: datetime | None = None
