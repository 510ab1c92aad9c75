"""The hub's event log: every event the hub consumed, in the order it applied them.

A row is appended in the same transaction as the projection's effects and the consumer's
offsets, so the log holds each event once; ``seq`` is the id SSE clients resume from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime


class HubEvent(Base, table=True):
    __tablename__ = "hub_event_log"

    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    event_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=200, index=True)
    city: str | None = Field(default=None, max_length=64, index=True)
    time: datetime = Field(sa_type=UTCDateTime)
    # The CloudEvent as the hub received it (structured JSON mode).
    envelope: str = Field(sa_column=Column(Text, nullable=False))
    logged_at: datetime = Field(sa_type=UTCDateTime)
