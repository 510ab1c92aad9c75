"""Request and response bodies of the webhook subscriptions API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.hub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.events.payloads import CitySlug
from shared.text import StoredText

EventType = Annotated[StoredText, Field(min_length=1, max_length=200)]
Description = Annotated[StoredText, Field(max_length=500)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where the hub POSTs each event (http or https)")
    event_types: list[EventType] = Field(
        default_factory=list,
        max_length=50,
        description="Only these CloudEvent types; a trailing * matches a prefix; empty: all",
    )
    cities: list[CitySlug] = Field(
        default_factory=list, max_length=100, description="Only these cities; empty: all"
    )
    description: Description | None = None


class SubscriptionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = Field(
        None, description="true re-enables a disabled subscription (its pending deliveries resume)"
    )
    url: AnyHttpUrl | None = None
    description: Description | None = None


class SubscriptionPublic(BaseModel):
    id: str
    url: str
    event_types: list[str]
    cities: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: WebhookSubscription) -> SubscriptionPublic:
        return cls(
            id=row.id,
            url=row.url,
            event_types=json.loads(row.event_types),
            cities=json.loads(row.cities),
            description=row.description,
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            disabled_at=row.disabled_at,
            created_by=row.created_by,
            created_at=row.created_at,
        )


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(
        description="whsec_… : verify every request with it. Shown only in this answer."
    )


class AttemptPublic(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, row: WebhookAttempt) -> AttemptPublic:
        return cls(
            attempt=row.attempt,
            attempted_at=row.attempted_at,
            status_code=row.status_code,
            error=row.error,
            duration_ms=row.duration_ms,
        )


class DeliveryPublic(BaseModel):
    id: int
    event_id: str = Field(description="The CloudEvent id, sent as webhook-id")
    event_type: str
    seq: int = Field(description="The event's position in the hub's log (the SSE id)")
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    log: list[AttemptPublic]

    @classmethod
    def of(cls, row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryPublic:
        return cls(
            id=row.id or 0,
            event_id=row.event_id,
            event_type=row.event_type,
            seq=row.seq,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            log=[AttemptPublic.of(a) for a in attempts],
        )


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[str] = Field(
        default_factory=lambda: ["failed"],
        description="Which deliveries to send again: failed, delivered and/or pending",
    )


class ReplayAnswer(BaseModel):
    replayed: int
