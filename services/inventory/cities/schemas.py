from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.events.payloads import BiddingZone, CitySlug
from shared.text import StoredText


class CityCreate(BaseModel):
    """A city to register (admin only)."""

    slug: CitySlug
    name: StoredText = Field(min_length=1, max_length=200)
    country: str = Field("NO", pattern=r"^[A-Z]{2}$")
    bidding_zone: BiddingZone | None = None
    mission_city: bool = False


class CityPublic(CityCreate):
    created_at: datetime
