"""What contracts publishes: CloudEvents on contracts.events.v1, keyed by city, in order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI

from shared.events.catalogue import CONTRACTS_EVENTS
from shared.events.envelope import CloudEvent, decode_event
from shared.events.payloads import (
    ClimateAccountReported,
    CommitmentChanged,
    MouDrafted,
    MouSignatureAdded,
    MouSigned,
    MouStatusChanged,
    PartnerInvitationAccepted,
    PartnerInvited,
    PartnerRegistered,
    PartnerUpdated,
)
from tests.contracts.helpers import bearer, move, propose_mou, register_partner, sign


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
    partner = await register_partner(
        client, city, token, name="Kystbyen Havn KF", organisation_number=number, helix="public"
    )
    invitation = (
        await client.post(
            f"/v1/partners/{partner['id']}/invitations", json={}, headers=bearer(token)
        )
    ).json()
    accepted = await client.post("/v1/invitations/accept", json={"code": invitation["code"]})
    own = accepted.json()["token"]
    r = await client.patch(
        f"/v1/partners/{partner['id']}", json={"name": "Kystbyen Havn"}, headers=bearer(own)
    )
    assert r.status_code == 200, r.text
    mou = await propose_mou(client, partner["id"], token, title="Landstrøm i havna")
    assert (await sign(client, mou["id"], own, "Kari Nordmann", on="2025-06-01")).is_success
    assert (await sign(client, mou["id"], token, "Lise Berg", on="2025-06-02")).is_success
    assert (await move(client, mou["id"], token, "active")).is_success
    account = {
        "scope1_tco2e": "12.5",
        "scope2_location_tco2e": "1",
        "gases": ["CO2"],
        "method": "GHG Protocol Corporate Standard",
    }
    r = await client.put(
        f"/v1/partners/{partner['id']}/climate-accounts/2024", json=account, headers=bearer(own)
    )
    assert r.status_code == 201, r.text

    def ours(event: CloudEvent) -> bool:
        return event.data.get("partner_id") == partner["id"]

    expected = [
        PartnerRegistered,
        PartnerInvited,
        PartnerInvitationAccepted,
        PartnerUpdated,
        MouDrafted,
        CommitmentChanged,
        MouSignatureAdded,
        MouSignatureAdded,
        MouSigned,
        MouStatusChanged,
        ClimateAccountReported,
    ]
    published = await read_until(broker, CONTRACTS_EVENTS, ours, count=len(expected))
    assert [event.type for _, event in published] == [e.event_type for e in expected]
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
    assert len({event.id for _, event in published}) == len(expected)

    payloads: list[Any] = [event.payload() for _, event in published]
    assert payloads[0] == PartnerRegistered(
        partner_id=partner["id"],
        city=city,
        name="Kystbyen Havn KF",
        organisation_number=number,
        helix="public",
    )
    assert payloads[3].changed == ["name"]
    drafted = payloads[4]
    assert (drafted.mou_id, drafted.title, drafted.tier) == (
        uuid.UUID(mou["id"]),
        "Landstrøm i havna",
        "partner",
    )
    commitment = payloads[5]
    assert commitment.change == "added"
    assert [(r.sector, r.co2e_mg) for r in commitment.expected_reductions] == [
        ("II", 120_500_000_000)
    ]
    assert [p.side for p in payloads[6:8]] == ["partner", "city"]
    assert payloads[8] == MouSigned(
        mou_id=mou["id"],
        partner_id=partner["id"],
        city=city,
        signed_on="2025-06-02",
        signatory="Kari Nordmann",
        city_signatory="Lise Berg",
    )
    assert (payloads[9].previous_status, payloads[9].status) == ("signed", "active")
    assert payloads[10].total_co2e_mg == 13_500_000_000
    assert str(payloads[10].total_tco2e) == "13.500000000"
    assert published[0][1].subject == f"partners/{partner['id']}"
    assert published[4][1].subject == f"mous/{mou['id']}"
