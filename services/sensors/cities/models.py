"""Known cities: learnt from ``city.registered`` on inventory.events.v1 (the inventory owns
cities; no service reads another's tables)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime


class KnownCity(Base, table=True):
    __tablename__ = "known_cities"

    slug: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    registered_at: datetime = Field(sa_type=UTCDateTime, description="The event's time")
