"""A city invites its partner; the partner accepts the one-time code and gets its own token."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlmodel import col

from services.contracts.db import messaging
from services.contracts.invitations.models import PartnerInvitation
from tests.contracts.helpers import bearer, register_partner


async def test_an_invited_partner_accepts_once_and_acts_with_its_own_token(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
) -> None:
    app, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token, helix="business")
    neighbour = await register_partner(client, city, token, name="Naboen AS")

    r = await client.post(
        f"/v1/partners/{partner['id']}/invitations",
        json={"email": "klima@elvebyen.no", "valid_days": 7},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    invitation = r.json()
    assert invitation["status"] == "pending"
    code = invitation["code"]
    assert code.startswith("kpi_")

    listed = (
        await client.get(f"/v1/partners/{partner['id']}/invitations", headers=bearer(token))
    ).json()
    assert [i["id"] for i in listed] == [invitation["id"]]
    assert "code" not in listed[0]

    r = await client.post("/v1/invitations/accept", json={"code": code})
    assert r.status_code == 200, r.text
    credentials = r.json()
    assert (credentials["partner_id"], credentials["city"]) == (partner["id"], city)
    own = bearer(credentials["token"])

    # Its own record: yes. Another partner's record, its city's data: no.
    r = await client.patch(f"/v1/partners/{partner['id']}", json={"name": "Ny AS"}, headers=own)
    assert r.status_code == 200, r.text
    assert r.json()["updated_by"] == credentials["subject"]
    r = await client.patch(f"/v1/partners/{neighbour['id']}", json={"name": "X"}, headers=own)
    assert r.status_code == 403
    r = await client.post(f"/v1/partners/{partner['id']}/invitations", json={}, headers=own)
    assert r.status_code == 403  # a partner cannot hand out credentials

    # One-time: the same code again is 409, and it made exactly one acceptance.
    again = await client.post("/v1/invitations/accept", json={"code": code})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/invitation-accepted")
    assert again.json()["invalid-params"][0]["name"] == "/body/code"
    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        counts = dict(
            (
                await session.execute(
                    select(outbox.c.event_type, func.count())
                    .where(outbox.c.key == city, outbox.c.event_type.like("%invit%"))
                    .group_by(outbox.c.event_type)
                )
            ).all()
        )
        payloads = (
            await session.execute(
                select(outbox.c.payload).where(outbox.c.event_type.like("%invit%"))
            )
        ).scalars().all()  # fmt: skip
    assert counts == {
        "no.klimaby.partner.invited": 1,
        "no.klimaby.partner.invitation_accepted": 1,
    }
    assert all(code not in p for p in payloads)  # the code never leaves in an event


async def test_an_expired_or_revoked_code_is_410_and_an_unknown_one_404(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    app, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    url = f"/v1/partners/{partner['id']}/invitations"
    expiring = (await client.post(url, json={}, headers=bearer(token))).json()
    revoked = (await client.post(url, json={}, headers=bearer(token))).json()

    async with app.state.db.transaction() as session:
        await session.execute(
            update(PartnerInvitation)
            .where(col(PartnerInvitation.id) == uuid.UUID(expiring["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    r = await client.post("/v1/invitations/accept", json={"code": expiring["code"]})
    assert r.status_code == 410
    assert r.json()["status"] == 410 and r.json()["type"].endswith("/invitation-expired")

    r = await client.delete(f"{url}/{revoked['id']}", headers=bearer(token))
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await client.post("/v1/invitations/accept", json={"code": revoked["code"]})
    assert r.status_code == 410
    assert r.json()["type"].endswith("/invitation-revoked")
    r = await client.delete(f"{url}/{revoked['id']}", headers=bearer(token))
    assert r.status_code == 409
    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        revocations = await session.scalar(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.key == city, outbox.c.event_type == "no.klimaby.partner.invitation_revoked"
            )
        )
    assert revocations == 1

    r = await client.post("/v1/invitations/accept", json={"code": "kpi_not-a-real-code"})
    assert r.status_code == 404
    assert r.json()["invalid-params"][0]["name"] == "/body/code"

    statuses = {i["id"]: i["status"] for i in (await client.get(url, headers=bearer(token))).json()}
    assert statuses == {expiring["id"]: "expired", revoked["id"]: "revoked"}


async def test_only_the_partners_city_invites(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, city_token: Callable[[str], str]
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, city_token(city))
    url = f"/v1/partners/{partner['id']}/invitations"
    assert (await client.post(url, json={})).status_code == 401
    r = await client.post(url, json={}, headers=bearer(city_token("bergen")))
    assert r.status_code == 403
    assert (await client.get(url, headers=bearer(city_token("bergen")))).status_code == 403
    r = await client.post(url, json={"valid_days": 365}, headers=bearer(city_token(city)))
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/valid_days"
