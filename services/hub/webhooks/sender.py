"""The webhook sender: sends due deliveries from the database, records every attempt.

Durable: a delivery is a row written in the same transaction as the event's log row, so a
crash loses nothing; it is claimed (its next attempt pushed past a lease) before it is sent,
so two replicas never send it at once, and marked delivered only after a 2xx. A receiver can
still see a request twice if its 2xx was lost: the ``webhook-id`` is the same on every retry,
which is how the spec expects receivers to deduplicate.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import col, select

from services.hub.settings import Settings
from services.hub.stream.models import HubEvent
from services.hub.webhooks import signing
from services.hub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from services.hub.webhooks.service import backoff_s
from shared.db import Database
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
CLAIM_BATCH = 50


class WebhookSender(BackgroundTask):
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def start(self) -> None:
        self._start(self._run(), name="webhook-sender")

    async def _run(self) -> None:
        async with httpx.AsyncClient(
            timeout=self.settings.webhook_timeout_s, follow_redirects=False
        ) as client:
            while True:
                try:
                    sent = await self.send_due(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook round failed; retrying")
                    sent = 0
                if not sent:
                    await asyncio.sleep(self.settings.webhook_poll_interval_s)

    async def _claim(self) -> list[tuple[WebhookDelivery, WebhookSubscription, HubEvent]]:
        now = datetime.now(UTC)
        lease = now + timedelta(seconds=self.settings.webhook_timeout_s + 30)
        async with self.db.transaction() as session:
            query = (
                select(WebhookDelivery, WebhookSubscription, HubEvent)
                .join(
                    WebhookSubscription,
                    col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id),
                )
                .join(HubEvent, col(HubEvent.seq) == col(WebhookDelivery.seq))
                .where(
                    WebhookDelivery.status == "pending",
                    col(WebhookDelivery.next_attempt_at) <= now,
                    col(WebhookSubscription.enabled).is_(True),
                )
                .order_by(col(WebhookDelivery.subscription_id), col(WebhookDelivery.seq))
                .limit(CLAIM_BATCH)
            )
            if self.db.is_postgres:
                query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
            claimed = [(row[0], row[1], row[2]) for row in (await session.execute(query)).all()]
            for delivery, _, _ in claimed:
                delivery.next_attempt_at = lease
            await session.flush()
            session.expunge_all()
        return claimed

    async def send_due(self, client: httpx.AsyncClient) -> int:
        claimed = await self._claim()
        failed: dict[str, datetime] = {}
        for delivery, subscription, event in claimed:
            if subscription.id in failed:
                # Its endpoint just failed: keep the rest of its queue for the same retry.
                await self._release(delivery, failed[subscription.id])
                continue
            retry_at = await self._attempt(client, delivery, subscription, event)
            if retry_at is not None:
                failed[subscription.id] = retry_at
        return len(claimed)

    async def _release(self, delivery: WebhookDelivery, at: datetime) -> None:
        async with self.db.transaction() as session:
            row = await session.get(WebhookDelivery, delivery.id)
            if row is not None and row.status == "pending":
                row.next_attempt_at = at

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        delivery: WebhookDelivery,
        subscription: WebhookSubscription,
        event: HubEvent,
    ) -> datetime | None:
        """One attempt; returns when to retry if it failed."""
        body = event.envelope.encode()
        headers = {
            "content-type": CONTENT_TYPE,
            "user-agent": "klimaby-hub-webhooks/1",
            **signing.headers(subscription.secret, event.event_id, body),
        }
        started = asyncio.get_running_loop().time()
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(subscription.url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        duration_ms = int((asyncio.get_running_loop().time() - started) * 1000)
        now = datetime.now(UTC)
        retry_at: datetime | None = None
        async with self.db.transaction() as session:
            row = await session.get(WebhookDelivery, delivery.id)
            sub = await session.get(WebhookSubscription, subscription.id)
            if row is None or sub is None:
                return None
            row.attempts += 1
            row.last_status_code = status_code
            row.last_error = error
            session.add(
                WebhookAttempt(
                    delivery_id=row.id or 0,
                    subscription_id=sub.id,
                    attempt=row.attempts,
                    attempted_at=now,
                    status_code=status_code,
                    error=error,
                    duration_ms=duration_ms,
                )
            )
            if error is None:
                row.status = "delivered"
                row.delivered_at = now
            elif status_code == 410:
                # The receiver says the endpoint is gone: stop sending to it at all.
                sub.enabled = False
                sub.disabled_reason = "the receiver answered 410 Gone"
                sub.disabled_at = now
                sub.updated_at = now
                row.next_attempt_at = now
                retry_at = now
            elif row.attempts >= self.settings.webhook_max_attempts:
                row.status = "failed"
                sub.enabled = False
                sub.disabled_reason = f"a delivery failed {row.attempts} times ({error})"
                sub.disabled_at = now
                sub.updated_at = now
                retry_at = now
            else:
                delay = backoff_s(
                    row.attempts,
                    self.settings.webhook_first_retry_s,
                    self.settings.webhook_max_retry_s,
                )
                row.next_attempt_at = now + timedelta(seconds=delay)
                retry_at = row.next_attempt_at
        return retry_at


def webhook_sender(app: FastAPI) -> WebhookSender:
    return WebhookSender(app.state.db, app.state.settings)
