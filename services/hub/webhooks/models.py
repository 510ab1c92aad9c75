"""Webhook subscriptions, their outbox of deliveries, and the log of every attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime


def _id_column() -> Column[int]:
    return Column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


class WebhookSubscription(Base, table=True):
    __tablename__ = "webhook_subscriptions"

    id: str = Field(primary_key=True, max_length=36)
    url: str = Field(max_length=2000)
    # Needed to sign every request, so kept (shown once, at creation).
    secret: str = Field(max_length=100)
    description: str | None = Field(default=None, max_length=500)
    # JSON lists; empty means every event type / every city the owner may see.
    event_types: str = Field(sa_column=Column(Text, nullable=False))
    cities: str = Field(sa_column=Column(Text, nullable=False))
    # The city of the token that created it (a city's subscription sees only that city);
    # NULL for an administrator's.
    owner_city: str | None = Field(default=None, max_length=64)
    # The subject of the hub subscriber that created it (it sees only its own); NULL otherwise.
    owner_subject: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=200)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(Base, table=True):
    """One event for one subscription: written with the event's log row, sent after."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "seq"),)

    id: int | None = Field(default=None, sa_column=_id_column())
    subscription_id: str = Field(max_length=36, index=True)
    seq: int = Field(sa_type=BigInteger, description="The event's position in the hub's log")
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=200)
    status: str = Field(max_length=16, index=True, description="pending, delivered or failed")
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookAttempt(Base, table=True):
    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, sa_column=_id_column())
    delivery_id: int = Field(sa_type=BigInteger, index=True)
    subscription_id: str = Field(max_length=36)
    attempt: int
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int
