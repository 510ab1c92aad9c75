"""Readings already accepted: the sensors service's record for answering ``duplicate``.

This is the fast answer to a gateway; the guarantee that a reading is counted once lives in the
inventory's accounting key (the same deterministic reading id), which no path can bypass."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime


class AcceptedReading(Base, table=True):
    __tablename__ = "accepted_readings"

    reading_id: str = Field(primary_key=True, max_length=36)
    sensor_id: str = Field(max_length=100, index=True)
    observed_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)
