"""A commitment an MoU holds; its expected cuts are whole milligrams per GPC sector."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime


class Commitment(Base, table=True):
    """What the partner will do (an action, or an investment), by when, and what it should cut."""

    __tablename__ = "mou_commitments"
    __table_args__ = (
        CheckConstraint("kind IN ('action', 'investment')", name="ck_mou_commitments_kind"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    mou_id: uuid.UUID = Field(foreign_key="mous.id", index=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", index=True)
    city: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    description: str = Field(max_length=2000)
    due_by: date
    investment_nok: int | None = Field(default=None, sa_type=BigInteger)
    # {"II": 9500000000000, …}: GPC sector → expected yearly cut in mg CO2e (exact integers).
    expected_reductions_mg: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
