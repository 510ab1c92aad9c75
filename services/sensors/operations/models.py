"""Operations: what each sensor has sent lately, and the per-gateway request windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime


class SensorActivity(Base, table=True):
    """Counters and last contact of one sensor, added to by every batch that names it."""

    __tablename__ = "sensor_activity"

    sensor_id: str = Field(primary_key=True, max_length=100)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_observed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_lag_s: float | None = Field(
        default=None, description="Received minus observed (or interval end), last batch"
    )
    accepted: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    duplicates: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    rejected: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    stale_since: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class RateWindow(Base, table=True):
    """Requests and readings of one gateway in one minute; shared by every replica."""

    __tablename__ = "rate_windows"

    gateway_id: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    requests: int = 0
    readings: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
