"""Fan-out of logged events into each matching subscription's outbox, and the backoff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.hub.stream.models import HubEvent
from services.hub.webhooks.models import WebhookDelivery, WebhookSubscription
from shared.db import insert_ignoring_conflicts


def matches(subscription: WebhookSubscription, event: HubEvent) -> bool:
    types: list[str] = json.loads(subscription.event_types)
    cities: list[str] = json.loads(subscription.cities)
    if subscription.owner_city is not None and event.city != subscription.owner_city:
        return False
    if cities and event.city not in cities:
        return False
    return not types or any(
        event.event_type == t or (t.endswith("*") and event.event_type.startswith(t[:-1]))
        for t in types
    )


async def fan_out(session: AsyncSession, events: Sequence[HubEvent]) -> int:
    """Write a pending delivery per (matching subscription, event), in the consumer's
    transaction: an event logged is an event owed to every subscriber it matches."""
    if not events:
        return 0
    query = select(WebhookSubscription).where(col(WebhookSubscription.enabled).is_(True))
    subscriptions = (await session.execute(query)).scalars().all()
    now = datetime.now(UTC)
    rows = [
        {
            "subscription_id": sub.id,
            "seq": event.seq,
            "event_id": event.event_id,
            "event_type": event.event_type,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in events
        for sub in subscriptions
        if matches(sub, event)
    ]
    table = cast(Table, inspect(WebhookDelivery).local_table)
    await insert_ignoring_conflicts(session, table, rows)
    return len(rows)


def backoff_s(attempts: int, first_s: float, max_s: float) -> float:
    """Delay after the ``attempts``-th failed attempt: first_s, doubling, capped at max_s."""
    return min(first_s * 2 ** (attempts - 1), max_s)
