"""What contracts publishes: CloudEvents on contracts.events.v1, keyed by city, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI

from shared.events.catalogue import CONTRACTS_EVENTS
from shared.events.envelope import CloudEvent, decode_event
from shared.events.payloads import MouDrafted, MouSigned, PartnerRegistered
from tests.contracts.test_partners import bearer


async def read_until(
    bootstrap_servers: str,
    topic: str,
    wanted: Callable[[CloudEvent], bool],
    count: int,
    timeout_s: float = 60.0,
) -> list[tuple[ConsumerRecord, CloudEvent]]:
    """The first ``count`` events on ``topic`` that ``wanted`` picks, read from the beginning
    by a consumer outside any group (the topic is shared by every test of the session)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[tuple[ConsumerRecord, CloudEvent]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    event = decode_event(record.value)
                    if wanted(event):
                        found.append((record, event))
    finally:
        await consumer.stop()
    return found


async def test_partner_and_mou_changes_are_published_as_cloudevents(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
    organisation_number: Callable[[], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    number = organisation_number()
    partner = (
        await client.post(
            "/v1/partners",
            json={
                "city": city,
                "name": "Kystbyen Havn KF",
                "organisation_number": number,
                "helix": "public",
            },
            headers=bearer(token),
        )
    ).json()
    mou = (
        await client.post(
            "/v1/mous",
            json={"partner_id": partner["id"], "title": "Landstrøm i havna"},
            headers=bearer(token),
        )
    ).json()
    r = await client.post(
        f"/v1/mous/{mou['id']}/sign",
        json={"signatory": "Kari Nordmann", "signed_on": "2025-06-01"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text

    def ours(event: CloudEvent) -> bool:
        return event.data.get("partner_id") == partner["id"]

    published = await read_until(broker, CONTRACTS_EVENTS, ours, count=3)
    assert [event.type for _, event in published] == [
        PartnerRegistered.event_type,
        MouDrafted.event_type,
        MouSigned.event_type,
    ]
    for record, event in published:
        assert record.key == city.encode()
        assert dict(record.headers)["content-type"].startswith(b"application/cloudevents+json")
        assert event.specversion == "1.0"
        assert event.source == "/klimaby/contracts"
        assert event.time is not None
    # Keyed by city: one partition, in the order the changes were made.
    assert len({record.partition for record, _ in published}) == 1
    offsets = [record.offset for record, _ in published]
    assert offsets == sorted(offsets)
    assert len({event.id for _, event in published}) == 3

    payloads: list[Any] = [event.payload() for _, event in published]
    registered, drafted, signed = payloads
    assert registered == PartnerRegistered(
        partner_id=partner["id"],
        city=city,
        name="Kystbyen Havn KF",
        organisation_number=number,
        helix="public",
    )
    assert drafted == MouDrafted(
        mou_id=mou["id"], partner_id=partner["id"], city=city, title="Landstrøm i havna"
    )
    assert signed == MouSigned(
        mou_id=mou["id"],
        partner_id=partner["id"],
        city=city,
        signed_on="2025-06-01",
        signatory="Kari Nordmann",
    )
    assert published[0][1].subject == f"partners/{partner['id']}"
    assert published[2][1].subject == f"mous/{mou['id']}"
