"""REST: webhook subscriptions (a bearer token is needed: a subscription holds a secret),
their delivery log, and manual replay."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlmodel import col, select, update

from services.hub.progress.service import get_city
from services.hub.webhooks import signing
from services.hub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from services.hub.webhooks.schemas import (
    DeliveryPublic,
    ReplayAnswer,
    ReplayRequest,
    SubscriptionChange,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)
from shared.auth import Principal, require_principal
from shared.db import DbSession
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


async def require_subscriber(principal: Principal = Depends(require_principal)) -> Principal:
    """A subscription is a city's (or, made by an admin, the platform's): only a city token or
    an admin manages them. Found by the authorization matrix: a partner's token names its city
    too, and managed that city's subscriptions; a member's token names no city, and matched the
    admin's subscriptions (owner None)."""
    if principal.role not in ("admin", "city"):
        raise ProblemError(
            403,
            "Forbidden",
            "webhook subscriptions need a token of a city or an admin",
            kind="forbidden",
        )
    return principal


Caller = Annotated[Principal, Depends(require_subscriber)]
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id")]
STATUSES = ("pending", "delivered", "failed")


async def _owned(session: DbSession, principal: Principal, id: uuid.UUID) -> WebhookSubscription:
    row = await session.get(WebhookSubscription, str(id))
    # Another city's subscription is answered as absent: its existence is not this city's data.
    if row is None or (principal.role != "admin" and row.owner_city != principal.city):
        raise ProblemError(
            404, "Not Found", f"no webhook subscription {id}", kind="not-found", field="/path/id"
        )
    return row


@router.post("", status_code=201, summary="Subscribe a URL to the hub's events")
async def create_subscription(
    body: SubscriptionCreate, principal: Caller, session: DbSession
) -> SubscriptionCreated:
    cities = sorted(set(body.cities))
    if principal.role != "admin":
        if cities and cities != [principal.city]:
            raise ProblemError(
                403,
                "Forbidden",
                f"a token of city '{principal.city}' may subscribe to that city only",
                kind="forbidden",
                field="/body/cities",
            )
        cities = [str(principal.city)]
    for n, city in enumerate(body.cities):
        try:
            await get_city(session, city)
        except ProblemError as exc:
            exc.field = f"/body/cities/{n}"
            raise
    if body.url.scheme not in ("http", "https"):
        raise ProblemError(
            422,
            "Unprocessable Content",
            "url must be http or https",
            kind="validation",
            field="/body/url",
        )
    now = datetime.now(UTC)
    row = WebhookSubscription(
        id=str(uuid.uuid4()),
        url=str(body.url),
        secret=signing.new_secret(),
        description=body.description,
        event_types=json.dumps(sorted(set(body.event_types))),
        cities=json.dumps(cities),
        owner_city=None if principal.role == "admin" else principal.city,
        created_by=principal.subject[:200],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return SubscriptionCreated(**SubscriptionPublic.of(row).model_dump(), secret=row.secret)


@router.get("", summary="The caller's webhook subscriptions")
async def list_subscriptions(principal: Caller, session: DbSession) -> list[SubscriptionPublic]:
    query = select(WebhookSubscription).order_by(col(WebhookSubscription.created_at))
    if principal.role != "admin":
        query = query.where(WebhookSubscription.owner_city == principal.city)
    rows = (await session.execute(query)).scalars().all()
    return [SubscriptionPublic.of(row) for row in rows]


@router.get("/{id}", summary="One webhook subscription")
async def get_subscription(
    id: SubscriptionId, principal: Caller, session: DbSession
) -> SubscriptionPublic:
    return SubscriptionPublic.of(await _owned(session, principal, id))


@router.patch("/{id}", summary="Re-enable, disable, move or describe a subscription")
async def change_subscription(
    id: SubscriptionId, body: SubscriptionChange, principal: Caller, session: DbSession
) -> SubscriptionPublic:
    row = await _owned(session, principal, id)
    now = datetime.now(UTC)
    if body.enabled is True and not row.enabled:
        row.enabled, row.disabled_reason, row.disabled_at = True, None, None
        # Pending deliveries resume now, not at the retry time they had when it stopped.
        await session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.subscription_id) == row.id,
                col(WebhookDelivery.status) == "pending",
            )
            .values(next_attempt_at=now)
        )
    elif body.enabled is False and row.enabled:
        row.enabled, row.disabled_reason, row.disabled_at = False, "disabled by its owner", now
    if body.url is not None:
        row.url = str(body.url)
    if body.description is not None:
        row.description = body.description
    row.updated_at = now
    await session.flush()
    return SubscriptionPublic.of(row)


@router.delete("/{id}", status_code=204, summary="Delete a subscription and its outbox")
async def delete_subscription(
    id: SubscriptionId, principal: Caller, session: DbSession
) -> Response:
    from sqlmodel import delete

    row = await _owned(session, principal, id)
    await session.execute(
        delete(WebhookAttempt).where(col(WebhookAttempt.subscription_id) == row.id)
    )
    await session.execute(
        delete(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == row.id)
    )
    await session.delete(row)
    return Response(status_code=204)


@router.get("/{id}/deliveries", summary="The delivery log: every event owed, and each attempt")
async def list_deliveries(
    id: SubscriptionId,
    principal: Caller,
    session: DbSession,
    status: Annotated[list[str] | None, Query(description="pending, delivered, failed")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryPublic]:
    row = await _owned(session, principal, id)
    for n, value in enumerate(status or []):
        if value not in STATUSES:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"status must be one of {', '.join(STATUSES)}",
                kind="validation",
                field=f"/query/status/{n}",
            )
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == row.id)
    if status:
        query = query.where(col(WebhookDelivery.status).in_(status))
    deliveries = (
        (await session.execute(query.order_by(col(WebhookDelivery.seq)).limit(limit)))
        .scalars()
        .all()
    )
    ids = [d.id for d in deliveries]
    attempts: dict[int, list[WebhookAttempt]] = {}
    if ids:
        found = await session.execute(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(ids))
            .order_by(col(WebhookAttempt.attempt))
        )
        for attempt in found.scalars().all():
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return [DeliveryPublic.of(d, attempts.get(d.id or 0, [])) for d in deliveries]


@router.post(
    "/{id}/deliveries/{delivery_id}/replay",
    status_code=202,
    summary="Send one delivery again (it keeps its webhook-id)",
)
async def replay_delivery(
    id: SubscriptionId,
    delivery_id: Annotated[int, Path(ge=1)],
    principal: Caller,
    session: DbSession,
) -> ReplayAnswer:
    row = await _owned(session, principal, id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != row.id:
        raise ProblemError(
            404,
            "Not Found",
            f"no delivery {delivery_id} of this subscription",
            kind="not-found",
            field="/path/delivery_id",
        )
    delivery.status, delivery.next_attempt_at = "pending", datetime.now(UTC)
    await session.flush()
    return ReplayAnswer(replayed=1)


@router.post("/{id}/replay", status_code=202, summary="Send again every delivery in a status")
async def replay(
    id: SubscriptionId, principal: Caller, session: DbSession, body: ReplayRequest | None = None
) -> ReplayAnswer:
    row = await _owned(session, principal, id)
    statuses = (body or ReplayRequest()).status
    for n, value in enumerate(statuses):
        if value not in STATUSES:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"status must be one of {', '.join(STATUSES)}",
                kind="validation",
                field=f"/body/status/{n}",
            )
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == row.id,
            col(WebhookDelivery.status).in_(statuses),
        )
        .values(status="pending", next_attempt_at=datetime.now(UTC))
    )
    return ReplayAnswer(replayed=result.rowcount or 0)  # type: ignore[attr-defined]
