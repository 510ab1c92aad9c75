"""What the sensors service keeps about readings.

``accepted_readings`` is the fast answer to a gateway (``duplicate``); the guarantee that a reading
is counted once lives in the inventory's accounting key (the same deterministic reading id), which
no path can bypass. Cumulative registers keep their last value per sensor (``meter_states``) and
the history of register readings (``meter_registers``) so that deltas survive restarts and replicas.
Answers to batches sent with an ``Idempotency-Key`` are kept in ``idempotency_records``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime, identifier_text


class AcceptedReading(Base, table=True):
    __tablename__ = "accepted_readings"

    reading_id: str = Field(primary_key=True, sa_type=identifier_text(36))
    # Not indexed: nothing reads these rows by sensor, and every accepted reading paid the
    # index's insert (migration 0006).
    sensor_id: str = Field(max_length=100)
    observed_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime)


class MeterState(Base, table=True):
    """The last register reading of a cumulative sensor: the start of its next delta.

    One row per sensor, locked (``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on SQLite)
    by the batch that advances it, so two replicas never compute deltas from the same state."""

    __tablename__ = "meter_states"

    sensor_id: str = Field(primary_key=True, max_length=100)
    last_observed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_value: float | None = None
    resets: int = 0
    gaps: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MeterRegister(Base, table=True):
    """One register reading as received and what became of it; a retry is answered from here."""

    __tablename__ = "meter_registers"

    sensor_id: str = Field(primary_key=True, max_length=100)
    observed_at: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    value: float
    outcome: str = Field(max_length=16, description="baseline, delta or rejected")
    reading_id: str | None = Field(default=None, max_length=36, description="The delta's id")
    flags: str = Field(default="", max_length=32, description="Comma-separated: reset, gap")
    reason: str | None = Field(default=None, max_length=300)
    received_at: datetime = Field(sa_type=UTCDateTime)


class IdempotencyRecord(Base, table=True):
    """The answer to a batch sent with an ``Idempotency-Key``, per gateway, until it expires."""

    __tablename__ = "idempotency_records"

    gateway_id: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=200)
    request_sha256: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
