from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from shared.events.payloads import BiddingZone, CitySlug
from shared.localtime import DEFAULT_TIME_ZONE, is_time_zone, time_zone_schema
from shared.text import StoredText


def _known_zone(name: str) -> str:
    if not is_time_zone(name):
        raise ValueError(f"'{name}' is not an IANA time zone (e.g. Europe/Oslo, UTC)")
    return name


TimeZone = Annotated[
    str,
    Field(max_length=64, json_schema_extra=time_zone_schema()),
    AfterValidator(_known_zone),
]


class CityCreate(BaseModel):
    """A city to register (admin only)."""

    slug: CitySlug
    name: StoredText = Field(min_length=1, max_length=200)
    country: str = Field("NO", pattern=r"^[A-Z]{2}$")
    bidding_zone: BiddingZone | None = None
    mission_city: bool = False
    time_zone: TimeZone = Field(
        DEFAULT_TIME_ZONE,
        description="IANA time zone whose calendar the city's years and months follow",
    )


class CityPublic(CityCreate):
    created_at: datetime
