"""MoUs over the REST API: proposed by the city, signed by BOTH sides (each with its own
credentials), then active → reported → renewed / ended; illegal steps are 409 naming the state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from services.contracts.db import messaging
from tests.contracts.helpers import (
    COMMITMENT,
    bearer,
    move,
    propose_mou,
    register_partner,
    sign,
)


async def test_an_mou_is_signed_when_both_the_partner_and_the_city_have_signed(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    mou = await propose_mou(
        client, partner["id"], token, text="Partene samarbeider om …", document_url="https://example.no/mou.pdf"
    )  # fmt: skip
    assert mou["city"] == city
    assert mou["status"] == "proposed"
    assert mou["tier"] == "partner"
    assert (mou["period_start"], mou["period_end"]) == ("2025-01-01", "2027-12-31")
    assert mou["awaiting_signature_of"] == ["city", "partner"]
    assert mou["signatures"] == []
    assert [c["description"] for c in mou["commitments"]] == [COMMITMENT["description"]]
    assert mou["expected_reductions"] == [{"sector": "II", "tco2e": "120.500000000"}]
    assert mou["expected_tco2e"] == "120.500000000"

    r = await sign(client, mou["id"], partner_token(partner["id"], city), "Kari Nordmann")
    assert r.status_code == 200, r.text
    half = r.json()
    assert half["status"] == "proposed"
    assert half["awaiting_signature_of"] == ["city"]
    assert [(s["side"], s["signatory"]) for s in half["signatures"]] == [
        ("partner", "Kari Nordmann")
    ]
    assert half["signatures"][0]["signed_by"] == f"test-partner-{partner['id']}"

    r = await sign(client, mou["id"], token, "Lise Berg", on="2025-03-15")
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["status"] == "signed"
    assert signed["signed_at"] is not None
    assert signed["awaiting_signature_of"] == []
    assert {s["side"]: s["signatory"] for s in signed["signatures"]} == {
        "partner": "Kari Nordmann",
        "city": "Lise Berg",
    }
    assert [(h["from_status"], h["to_status"]) for h in signed["history"]] == [
        (None, "proposed"),
        ("proposed", "signed"),
    ]
    assert (await client.get(f"/v1/mous/{mou['id']}")).json() == signed
    assert (await client.get("/v1/mous", params={"city": city})).json() == [signed]
    listed = await client.get("/v1/mous", params={"partner_id": partner["id"], "status": "signed"})
    assert listed.json() == [signed]
    proposed = await client.get("/v1/mous", params={"city": city, "status": "proposed"})
    assert proposed.json() == []


async def test_a_city_token_cannot_sign_for_the_partner(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    admin_token: str,
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    other = await register_partner(client, city, token, name="Naboen AS")
    mou = await propose_mou(client, partner["id"], token)
    url = f"/v1/mous/{mou['id']}/sign"
    body = {"signatory": "Kari Nordmann", "signed_on": "2025-03-14", "side": "partner"}
    for credential in (token, admin_token):
        r = await client.post(url, json=body, headers=bearer(credential))
        assert r.status_code == 403, r.text
        assert r.json()["invalid-params"][0]["name"] == "/body/side"
    # Another partner of the city, the partner of another city, another city: 403.
    for credential in (
        partner_token(other["id"], city),
        partner_token(partner["id"], "bergen"),
        city_token("bergen"),
    ):
        r = await sign(client, mou["id"], credential, "Noen")
        assert r.status_code == 403, r.text
    assert (await client.post(url, json=body)).status_code == 401
    # The partner cannot sign the city's side either.
    r = await client.post(
        url, json={**body, "side": "city"}, headers=bearer(partner_token(partner["id"], city))
    )
    assert r.status_code == 403

    # The city's own signature counts once; the MoU still waits for the partner.
    assert (await sign(client, mou["id"], token, "Lise Berg")).status_code == 200
    again = await sign(client, mou["id"], admin_token, "Noen Andre")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-signed")
    state = (await client.get(f"/v1/mous/{mou['id']}")).json()
    assert state["status"] == "proposed"
    assert state["awaiting_signature_of"] == ["partner"]


async def test_the_lifecycle_runs_active_reported_renewed_and_refuses_illegal_steps(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    own = partner_token(partner["id"], city)
    mou = await propose_mou(client, partner["id"], token)

    r = await move(client, mou["id"], token, "active")
    assert r.status_code == 409
    problem = r.json()
    assert problem["current_status"] == "proposed"
    assert "'proposed'" in problem["detail"]
    assert problem["invalid-params"][0]["name"] == "/body/status"
    r = await move(client, mou["id"], token, "signed")
    assert r.status_code == 409 and "both" in r.json()["detail"]

    await sign(client, mou["id"], own, "Kari Nordmann")
    await sign(client, mou["id"], token, "Lise Berg")
    r = await move(client, mou["id"], token, "reported")
    assert r.status_code == 409 and r.json()["current_status"] == "signed"

    assert (await move(client, mou["id"], token, "active", note="i kraft")).status_code == 200
    r = await move(client, mou["id"], own, "reported", note="årsrapport 2025")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "reported"
    # A stranger moves nothing.
    r = await move(client, mou["id"], city_token("bergen"), "ended")
    assert r.status_code == 403

    r = await move(client, mou["id"], token, "renewed")
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/period_start"
    r = await move(
        client, mou["id"], token, "renewed", period_start="2028-01-01", period_end="2030-12-31"
    )
    assert r.status_code == 200, r.text
    renewed = r.json()
    assert renewed["status"] == "renewed"
    assert [h["to_status"] for h in renewed["history"]] == [
        "proposed",
        "signed",
        "active",
        "reported",
        "renewed",
    ]
    assert renewed["history"][3]["note"] == "årsrapport 2025"
    assert renewed["history"][3]["changed_by"] == f"test-partner-{partner['id']}"
    successor = (await client.get(f"/v1/mous/{renewed['renewed_by_mou_id']}")).json()
    assert successor["status"] == "proposed"
    assert successor["renews_mou_id"] == mou["id"]
    assert (successor["period_start"], successor["period_end"]) == ("2028-01-01", "2030-12-31")
    assert [c["description"] for c in successor["commitments"]] == [COMMITMENT["description"]]
    assert successor["commitments"][0]["id"] != mou["commitments"][0]["id"]
    assert successor["awaiting_signature_of"] == ["city", "partner"]

    r = await move(client, mou["id"], token, "ended")
    assert r.status_code == 409
    assert r.json()["current_status"] == "renewed"
    assert "final" in r.json()["detail"]

    # A proposal may be withdrawn (ended) before anyone signs; ended is final.
    assert (await move(client, successor["id"], own, "ended")).status_code == 200
    r = await sign(client, successor["id"], own, "Kari Nordmann")
    assert r.status_code == 409 and r.json()["current_status"] == "ended"


async def test_a_partner_tier_mou_needs_a_commitment_and_a_supporter_does_not(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    own = partner_token(partner["id"], city)
    empty = await propose_mou(client, partner["id"], token, commitments=[])
    r = await sign(client, empty["id"], own, "Kari")
    assert r.status_code == 409
    assert r.json()["type"].endswith("/no-commitment")

    supporter = await propose_mou(client, partner["id"], token, tier="supporter", commitments=[])
    assert (await sign(client, supporter["id"], own, "Kari")).status_code == 200
    r = await sign(client, supporter["id"], token, "Lise")
    assert r.status_code == 200 and r.json()["status"] == "signed"


async def test_commitments_change_only_before_anyone_signs(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    app, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    own = partner_token(partner["id"], city)
    mou = await propose_mou(client, partner["id"], token, commitments=[])
    url = f"/v1/mous/{mou['id']}/commitments"

    investment = {
        "kind": "investment",
        "description": "Ladepunkter ved alle depoter",
        "due_by": "2026-06-30",
        "investment_nok": 12_000_000,
        "expected_reductions": [
            {"sector": "II", "tco2e": 300},
            {"sector": "I", "tco2e": "0.000000001"},
        ],
    }
    r = await client.post(url, json=investment, headers=bearer(own))  # the partner itself
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["expected_reductions"] == [
        {"sector": "I", "tco2e": "0.000000001"},
        {"sector": "II", "tco2e": "300.000000000"},
    ]
    assert added["expected_tco2e"] == "300.000000001"
    r = await client.put(
        f"{url}/{added['id']}", json={**investment, "due_by": "2026-12-31"}, headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["due_by"] == "2026-12-31"
    second = (await client.post(url, json=COMMITMENT, headers=bearer(token))).json()
    assert (await client.delete(f"{url}/{second['id']}", headers=bearer(own))).status_code == 204
    assert [c["id"] for c in (await client.get(url)).json()] == [added["id"]]

    # Bad input names its field.
    for bad, field in (
        ({**COMMITMENT, "expected_reductions": [{"sector": "II", "tco2e": "1"}] * 2},
         "/body/expected_reductions/1/sector"),
        ({**COMMITMENT, "expected_reductions": [{"sector": "II", "tco2e": "0.0000000001"}]},
         "/body/expected_reductions/0/tco2e"),
        ({**COMMITMENT, "expected_reductions": [{"sector": "VI", "tco2e": "1"}]},
         "/body/expected_reductions/0/sector"),
        ({**COMMITMENT, "expected_reductions": [{"sector": "I", "tco2e": "-1"}]},
         "/body/expected_reductions/0/tco2e"),
    ):  # fmt: skip
        r = await client.post(url, json=bad, headers=bearer(token))
        assert r.status_code == 422, r.text
        assert r.json()["invalid-params"][0]["name"] == field
    other = await register_partner(client, city, token, name="Naboen AS")
    r = await client.post(url, json=COMMITMENT, headers=bearer(partner_token(other["id"], city)))
    assert r.status_code == 403

    # Once one side signed, the commitments are frozen.
    assert (await sign(client, mou["id"], own, "Kari")).status_code == 200
    for r in (
        await client.post(url, json=COMMITMENT, headers=bearer(token)),
        await client.put(f"{url}/{added['id']}", json=investment, headers=bearer(token)),
        await client.delete(f"{url}/{added['id']}", headers=bearer(token)),
    ):
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("/commitments-frozen")

    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        changes = (
            await session.execute(
                select(outbox.c.payload)
                .where(outbox.c.key == city, outbox.c.event_type == "no.klimaby.commitment.changed")
                .order_by(outbox.c.id)
            )
        ).scalars().all()  # fmt: skip
    assert [c.split('"change":"')[1].split('"')[0] for c in changes] == [
        "added",
        "updated",
        "added",
        "removed",
    ]


async def test_signing_twice_publishes_one_signature_per_side(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    partner_token: Callable[[str, str], str],
) -> None:
    app, client = contracts
    partner = await register_partner(client, city, admin_token)
    mou = await propose_mou(client, partner["id"], admin_token)
    own = partner_token(partner["id"], city)
    assert (await sign(client, mou["id"], own, "Ola Nordmann")).status_code == 200
    again = await sign(client, mou["id"], own, "Noen Andre")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-signed")
    assert (await sign(client, mou["id"], admin_token, "Lise Berg")).status_code == 200
    r = await sign(client, mou["id"], admin_token, "Lise Berg")
    assert r.status_code == 409 and r.json()["current_status"] == "signed"

    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        counts = dict(
            (
                await session.execute(
                    select(outbox.c.event_type, func.count())
                    .where(outbox.c.key == city, outbox.c.event_type.like("no.klimaby.mou.%"))
                    .group_by(outbox.c.event_type)
                )
            ).all()
        )
    assert counts == {
        "no.klimaby.mou.drafted": 1,
        "no.klimaby.mou.signature_added": 2,
        "no.klimaby.mou.signed": 1,
    }


async def test_bad_mous_are_422_naming_the_field(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, admin_token)
    base = {"partner_id": partner["id"], "title": "Avtale", "period_start": "2025-01-01"}
    for body, field in (
        ({**base, "period_end": "2024-12-31"}, "/body/period_end"),
        ({**base}, "/body/period_end"),
        ({**base, "period_end": "2026-01-01", "tier": "sponsor"}, "/body/tier"),
        ({**base, "period_end": "2026-01-01", "document_url": "ftp://x"}, "/body/document_url"),
        ({**base, "period_end": "2026-01-01", "document_url": "https://x.no/" + "a" * 2000},
         "/body/document_url"),
        ({**base, "period_end": "2026-01-01", "partner_id": "00000000-0000-4000-8000-000000000000"},
         "/body/partner_id"),
    ):  # fmt: skip
        r = await client.post("/v1/mous", json=body, headers=bearer(admin_token))
        assert r.status_code == 422, r.text
        assert r.json()["invalid-params"][0]["name"] == field
    assert (await client.get("/v1/mous", params={"city": city})).json() == []


async def test_a_signature_dated_in_the_future_is_422(
    contracts: tuple[FastAPI, httpx.AsyncClient], city: str, admin_token: str
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, admin_token)
    mou = await propose_mou(client, partner["id"], admin_token)
    r = await sign(client, mou["id"], admin_token, "Kari", on=str(date.today() + timedelta(days=3)))
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/body/signed_on"
    assert (await client.get(f"/v1/mous/{mou['id']}")).json()["signatures"] == []


async def test_mou_proposals_need_a_token_for_the_partners_city(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    admin_token: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    partner = await register_partner(client, city, admin_token)
    draft = {
        "partner_id": partner["id"],
        "title": "Avtale",
        "period_start": "2025-01-01",
        "period_end": "2026-12-31",
    }
    assert (await client.post("/v1/mous", json=draft)).status_code == 401
    for credential in (city_token("bergen"), partner_token(partner["id"], city)):
        r = await client.post("/v1/mous", json=draft, headers=bearer(credential))
        assert r.status_code == 403
        assert r.json()["invalid-params"][0]["name"] == "/body/partner_id"
    assert (await client.get("/v1/mous", params={"city": city})).json() == []


async def test_an_unknown_mou_is_404(
    contracts: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = contracts
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"/v1/mous/{unknown}")).status_code == 404
    assert (await client.get(f"/v1/mous/{unknown}/commitments")).status_code == 404
    assert (await sign(client, unknown, admin_token, "Kari")).status_code == 404
    assert (await move(client, unknown, admin_token, "ended")).status_code == 404


async def test_both_sides_signing_at_the_same_moment_make_it_signed_once(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    app, client = contracts
    token = city_token(city)
    partner = await register_partner(client, city, token)
    mou = await propose_mou(client, partner["id"], token)
    own = partner_token(partner["id"], city)
    answers = await asyncio.gather(
        sign(client, mou["id"], own, "Kari Nordmann"),
        sign(client, mou["id"], token, "Lise Berg"),
    )
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert (await client.get(f"/v1/mous/{mou['id']}")).json()["status"] == "signed"
    outbox = messaging.outbox
    async with app.state.db.transaction() as session:
        signed = await session.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.key == city, outbox.c.event_type == "no.klimaby.mou.signed")
        )
    assert signed == 1
