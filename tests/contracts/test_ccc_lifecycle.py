"""The CCC's Mission Label lifecycle: every step with who, when and comments per module; an
illegal step is a 409 naming the current state; the yearly iteration and the diff."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from fastapi import FastAPI

from shared.events.catalogue import CONTRACTS_EVENTS
from shared.events.envelope import CloudEvent
from shared.events.payloads import CccStatusChanged, CccVersionStarted, MissionLabelAwarded
from tests.contracts.ccc_helpers import action, start_ccc
from tests.contracts.test_events import read_until
from tests.contracts.test_partners import bearer


async def step(
    client: httpx.AsyncClient,
    city: str,
    version: int,
    transition: str,
    token: str,
    comments: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/v1/cities/{city}/ccc/versions/{version}/transitions",
        json={"transition": transition, "comments": comments or {}},
        headers=bearer(token),
    )


async def test_a_ccc_goes_from_draft_to_the_mission_label_with_every_step_in_its_history(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    broker: str,
    city: str,
    city_token: Callable[[str], str],
    admin_token: str,
) -> None:
    _, client = contracts
    token = city_token(city)
    created = await start_ccc(
        client,
        token,
        city,
        {"title": "Klimabykontrakt", "b2_actions": [action("TR-01")]},
    )
    assert created["version"] == 1 and created["status"] == "draft"

    r = await step(client, city, 1, "submit", token, {"commitments": "Klar for vurdering"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"

    # Submitting twice: 409 naming the state the version is in.
    r = await step(client, city, 1, "submit", token)
    assert r.status_code == 409
    assert r.json()["status"] == "submitted"
    assert "is submitted" in r.json()["detail"]
    assert r.json()["invalid-params"][0]["name"] == "/body/transition"

    # The city cannot review its own contract.
    r = await step(client, city, 1, "start_review", token)
    assert r.status_code == 403

    # Content is frozen once submitted.
    r = await client.patch(
        f"/v1/cities/{city}/ccc/versions/1", json={"title": "Endret"}, headers=bearer(token)
    )
    assert r.status_code == 409
    assert r.json()["status"] == "submitted"

    assert (await step(client, city, 1, "start_review", admin_token)).status_code == 200
    r = await step(
        client,
        city,
        1,
        "request_revision",
        admin_token,
        {"b2_actions": "Tallfest kostnadene", "b3_indicators": "Mangler datakilde"},
    )
    assert r.status_code == 200 and r.json()["status"] == "revision_requested"
    r = await client.patch(
        f"/v1/cities/{city}/ccc/versions/1",
        json={"title": "Klimabykontrakt, revidert"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    assert (await step(client, city, 1, "resubmit", token)).json()["status"] == "resubmitted"
    r = await step(client, city, 1, "award", admin_token)
    assert r.status_code == 409 and r.json()["status"] == "resubmitted"
    assert (await step(client, city, 1, "start_review", admin_token)).status_code == 200
    r = await step(client, city, 1, "award", admin_token, {"commitments": "Godkjent"})
    assert r.status_code == 200 and r.json()["status"] == "label_awarded"

    history = (await client.get(f"/v1/cities/{city}/ccc/versions/1/history")).json()
    assert [(h["transition"], h["from_status"], h["to_status"]) for h in history] == [
        ("start", None, "draft"),
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "in_review"),
        ("request_revision", "in_review", "revision_requested"),
        ("resubmit", "revision_requested", "resubmitted"),
        ("start_review", "resubmitted", "in_review"),
        ("award", "in_review", "label_awarded"),
    ]
    assert history[3]["comments"] == {
        "b2_actions": "Tallfest kostnadene",
        "b3_indicators": "Mangler datakilde",
    }
    assert history[3]["by"] == "test-admin" and history[1]["by"] == f"test-{city}"
    assert all(h["at"] for h in history)

    # After the label: no more edits; the yearly iteration is a new version.
    r = await step(client, city, 1, "submit", token)
    assert r.status_code == 409 and r.json()["status"] == "label_awarded"
    r = await client.post(f"/v1/cities/{city}/ccc/versions", headers=bearer(token))
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2 and r.json()["copied_from_version"] == 1
    # A second iteration while version 2 is still a draft: refused, naming its state.
    r = await client.post(f"/v1/cities/{city}/ccc/versions", headers=bearer(token))
    assert r.status_code == 409 and r.json()["status"] == "draft"

    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/2/actions/TR-02",
        json=action("TR-02", reductions=[("II.1", 2030, "9500")]),
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    r = await client.patch(
        f"/v1/cities/{city}/ccc/versions/2",
        json={"title": "Klimabykontrakt 2026", "b2_3_residual_emissions": "Fangst og lagring"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text

    overview = (await client.get(f"/v1/cities/{city}/ccc")).json()
    assert overview["label_awarded_version"] == 1
    assert overview["tracked_version"] == 1
    assert [v["status"] for v in overview["versions"]] == ["label_awarded", "draft"]

    diff = (
        await client.get(f"/v1/cities/{city}/ccc/diff", params={"from_version": 1, "to_version": 2})
    ).json()
    changes = {c["path"]: c for c in diff["changes"]}
    assert changes["/title"] == {
        "path": "/title",
        "change": "changed",
        "before": "Klimabykontrakt, revidert",
        "after": "Klimabykontrakt 2026",
    }
    assert changes["/b2_actions/TR-02"]["change"] == "added"
    assert changes["/b2_actions/TR-02"]["after"]["expected_reductions"][0]["gpc_reference"] == (
        "II.1"
    )
    assert changes["/b2_3_residual_emissions"]["after"] == "Fangst og lagring"
    assert set(changes) == {"/title", "/b2_actions/TR-02", "/b2_3_residual_emissions"}
    back = (
        await client.get(f"/v1/cities/{city}/ccc/diff", params={"from_version": 2, "to_version": 1})
    ).json()
    assert {c["path"]: c["change"] for c in back["changes"]}["/b2_actions/TR-02"] == "removed"

    lifecycle = {CccVersionStarted.event_type, CccStatusChanged.event_type}
    lifecycle.add(MissionLabelAwarded.event_type)

    def ours(event: CloudEvent) -> bool:
        return event.data.get("city") == city and event.type in lifecycle

    published = await read_until(broker, CONTRACTS_EVENTS, ours, count=9)
    types = [event.type for _, event in published]
    assert types == [
        CccVersionStarted.event_type,
        *[CccStatusChanged.event_type] * 6,
        MissionLabelAwarded.event_type,
        CccVersionStarted.event_type,
    ]
    revision = next(
        event.payload()
        for _, event in published
        if event.type == CccStatusChanged.event_type
        and event.data["transition"] == "request_revision"
    )
    assert isinstance(revision, CccStatusChanged)
    assert revision.comments["b3_indicators"] == "Mangler datakilde"
    assert all(record.key == city.encode() for record, _ in published)


async def test_writes_need_a_token_of_the_city(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
    partner_token: Callable[[str, str], str],
) -> None:
    _, client = contracts
    r = await client.post(f"/v1/cities/{city}/ccc", json={})
    assert r.status_code == 401
    r = await client.post(f"/v1/cities/{city}/ccc", json={}, headers=bearer(city_token("annenby")))
    assert r.status_code == 403
    await start_ccc(client, city_token(city), city)
    r = await client.put(
        f"/v1/cities/{city}/ccc/versions/1/actions/X-1",
        json=action("X-1"),
        headers=bearer(city_token("annenby")),
    )
    assert r.status_code == 403
    r = await step(client, city, 1, "submit", city_token("annenby"))
    assert r.status_code == 403
    # A partner keeps its own record and signs its own MoUs: the city's contract is not its to
    # write, in its own city or another.
    for partner_city in (city, "annenby"):
        credential = partner_token(str(uuid.uuid4()), partner_city)
        r = await client.put(
            f"/v1/cities/{city}/ccc/versions/1/actions/X-1",
            json=action("X-1"),
            headers=bearer(credential),
        )
        assert r.status_code == 403, r.text
        assert r.json()["invalid-params"][0]["name"] == "/path/city"
        assert (await step(client, city, 1, "submit", credential)).status_code == 403
    assert (await client.get(f"/v1/cities/{city}/ccc/versions/9")).status_code == 404
    assert (await client.get(f"/v1/cities/{city}-x/ccc")).status_code == 404


async def test_two_submissions_at_once_give_one_step_and_one_409(
    contracts: tuple[FastAPI, httpx.AsyncClient],
    city: str,
    city_token: Callable[[str], str],
) -> None:
    import asyncio

    _, client = contracts
    token = city_token(city)
    await start_ccc(client, token, city)
    answers = await asyncio.gather(*(step(client, city, 1, "submit", token) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]
    history = (await client.get(f"/v1/cities/{city}/ccc/versions/1/history")).json()
    assert [h["transition"] for h in history] == ["start", "submit"]
