"""A city as contracts knows it: a copy of what the inventory announced, never edited here."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime
from shared.localtime import DEFAULT_TIME_ZONE


class KnownCity(Base, table=True):
    """A city registered on the platform (from ``no.klimaby.city.registered``)."""

    __tablename__ = "known_cities"

    slug: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    mission_city: bool = False
    registered_at: datetime = Field(
        sa_type=UTCDateTime, description="When the inventory announced it"
    )
