from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SensorActivityPublic(BaseModel):
    """What a sensor has sent: last contact, counts since registration, lag and staleness."""

    sensor_id: str
    last_seen_at: datetime | None = Field(description="When it last sent anything")
    last_observed_at: datetime | None = Field(
        description="The newest observation (or interval end) of its last batch with one"
    )
    last_lag_s: float | None = Field(description="Seconds from that observation to its arrival")
    accepted: int
    duplicates: int
    rejected: int
    expected_interval_s: int | None
    stale: bool
    stale_since: datetime | None
