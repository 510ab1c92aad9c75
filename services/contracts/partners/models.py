"""The partner a city registers before it drafts an MoU with it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime


class Partner(Base, table=True):
    """An organisation of one city's quadruple helix (public, business, research/academia,
    civil society), with the person to contact there."""

    __tablename__ = "partners"
    # NULLs are distinct in a unique constraint: many partners may lack an org number.
    __table_args__ = (
        UniqueConstraint(
            "city", "organisation_number", name="uq_partners_city_organisation_number"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    city: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    organisation_number: str | None = Field(default=None, max_length=9)
    helix: str = Field(max_length=20)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=32)
    registered_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=200)
