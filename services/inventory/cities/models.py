"""Cities whose emissions the inventory keeps."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime
from shared.localtime import DEFAULT_TIME_ZONE


class City(Base, table=True):
    """A municipality on the platform (slug, name, electricity bidding zone, time zone)."""

    __tablename__ = "cities"

    slug: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    country: str = Field(default="NO", max_length=2)
    bidding_zone: str | None = Field(default=None, max_length=3)
    mission_city: bool = False
    # IANA zone whose calendar the city's years and months follow (shared.localtime).
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
