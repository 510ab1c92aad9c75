"""Projecting events into city progress: a batch is folded into one change per city.

Counting is safe because every event reaches here once per consumer group: the idempotent
consumer records event ids in ``processed_events`` in the same transaction as these upserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.progress.models import CityDelta, CityProgress, Registration
from services.hub.progress.repository import CityProgressRepository
from shared.events.payloads import (
    CityRegistered,
    EmissionsAccounted,
    EmissionsRecalculated,
    MouDrafted,
    MouSigned,
    PartnerRegistered,
)
from shared.messaging.consumer import ConsumedEvent
from shared.problems import ProblemError
from shared.text import without_nul


def aggregate(events: Sequence[ConsumedEvent]) -> list[CityDelta]:
    """Fold a batch into one delta per city, in city order (a stable lock order for upserts).
    Event types the hub does not project are ignored."""
    deltas: dict[str, CityDelta] = {}

    def delta(city: str) -> CityDelta:
        return deltas.setdefault(city, CityDelta(city))

    for event in events:
        payload = event.payload
        at = event.envelope.time.astimezone(UTC)
        match payload:
            case CityRegistered():
                delta(payload.city).register(
                    Registration(
                        # Another service's text: never let it block this projection.
                        name=without_nul(payload.name),
                        bidding_zone=payload.bidding_zone,
                        mission_city=payload.mission_city,
                        registered_at=at,
                    )
                )
            case EmissionsAccounted():
                delta(payload.city).account(payload, at)
            case EmissionsRecalculated():
                # A revised (or newly added) factor changed amounts already accounted: add the
                # exact difference, so the total stays the sum of the inventory's buckets.
                delta(payload.city).co2e_mg += payload.co2e_mg_delta
            case PartnerRegistered():
                delta(payload.city).partners += 1
            case MouDrafted():
                delta(payload.city).mous_drafted += 1
            case MouSigned():
                delta(payload.city).mous_signed += 1
    return [deltas[city] for city in sorted(deltas)]


async def project(session: AsyncSession, events: Sequence[ConsumedEvent]) -> None:
    """The consumer's handler: apply a batch of new events in the consumer's transaction."""
    await CityProgressRepository(session).apply(aggregate(events), datetime.now(UTC))


async def get_city(session: AsyncSession, city: str) -> CityProgress:
    progress = await CityProgressRepository(session).get(city)
    if progress is None:
        raise ProblemError(
            404,
            "Not Found",
            f"the hub has no event about city '{city}' yet",
            kind="not-found",
            field="/path/city",
        )
    return progress
