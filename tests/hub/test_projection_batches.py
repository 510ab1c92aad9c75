"""The projection's batch step on the database itself (no broker): one upsert per city,
exact sums, newest registration and latest accounting win, whatever the order of batches."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.service import aggregate, project
from shared.db import Database
from shared.events.envelope import new_event
from shared.events.payloads import CityRegistered, EventPayload, PartnerRegistered, ReadingRejected
from shared.messaging.consumer import ConsumedEvent
from tests.hub.test_projection import accounted

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def consumed(payload: EventPayload, at: datetime = T0, offset: int = 0) -> ConsumedEvent:
    envelope = new_event(payload, source="/klimaby/tests", time=at)
    return ConsumedEvent("test", 0, offset, getattr(payload, "city", None), envelope, payload)


def partner(city: str) -> PartnerRegistered:
    return PartnerRegistered(partner_id=uuid.uuid4(), city=city, name="P", helix="academia")


def test_a_batch_folds_into_one_delta_per_city_in_city_order() -> None:
    batch = [
        consumed(accounted("trondheim", 5, readings=1), T0),
        consumed(accounted("oslo", 10, readings=2), T0 + timedelta(seconds=2)),
        consumed(partner("oslo")),
        consumed(accounted("oslo", 20, readings=3), T0 + timedelta(seconds=1)),
        consumed(CityRegistered(city="oslo", name="Oslo", bidding_zone="NO1")),
    ]
    deltas = aggregate(batch)
    assert [d.city for d in deltas] == ["oslo", "trondheim"]
    oslo = deltas[0]
    assert (oslo.co2e_mg, oslo.readings_accounted, oslo.partners) == (30, 5, 1)
    assert oslo.last_accounted_at == T0 + timedelta(seconds=2)
    assert oslo.registration is not None and oslo.registration.name == "Oslo"


def test_events_the_hub_does_not_project_are_ignored() -> None:
    rejected = ReadingRejected(
        gateway_id="gw", city="oslo", index=0, field="/value", reason="negative", item={},
        received_at=T0,
    )  # fmt: skip
    assert aggregate([consumed(rejected)]) == []


async def test_a_batch_is_written_with_one_statement(hub_db: Database) -> None:
    cities = [f"by-{n}" for n in range(5)]
    batch = [
        consumed(accounted(city, 1_000 * n, readings=1), offset=n)
        for n in range(40)
        for city in cities
    ]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(hub_db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with hub_db.transaction() as session:
            await project(session, batch)
    finally:
        event.remove(hub_db.engine.sync_engine, "before_cursor_execute", record)
    writes = [
        s
        for s in statements
        if "city_progress" in s and not s.lstrip().upper().startswith("SELECT")
    ]
    assert len(writes) == 1
    assert writes[0].lstrip().upper().startswith("INSERT")

    async with hub_db.transaction() as session:
        rows = await CityProgressRepository(session).list()
    assert {r.city: r.co2e_mg for r in rows} == {c: 1_000 * sum(range(40)) for c in cities}


async def test_batches_in_any_order_give_the_same_progress(hub_db: Database) -> None:
    later, earlier = T0 + timedelta(hours=1), T0
    batches = [
        [consumed(accounted("fjordby", 3, readings=1), at=later)],
        [consumed(partner("fjordby"))],
        [consumed(CityRegistered(city="fjordby", name="Fjordby", bidding_zone="NO2"), at=later)],
        # An older registration and an older accounting arrive last: they must not win.
        [consumed(CityRegistered(city="fjordby", name="Gammelt navn"), at=earlier)],
        [consumed(accounted("fjordby", 4, readings=2), at=earlier)],
    ]
    for batch in batches:
        async with hub_db.transaction() as session:
            await project(session, batch)
    async with hub_db.transaction() as session:
        row = await CityProgressRepository(session).get("fjordby")
    assert row is not None
    assert (row.name, row.bidding_zone) == ("Fjordby", "NO2")
    assert (row.co2e_mg, row.readings_accounted, row.partners) == (7, 3, 1)
    assert row.last_accounted_at == later
    assert row.registered_at == later
