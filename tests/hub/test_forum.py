"""The collaboration forum: members by organisation, only members write, the public reads
what is marked public; a thread may hang on a CCC action or an indicator."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI

from shared.auth import issue_token


def member_token(subject: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(subject, "member")}


async def test_members_write_and_the_public_reads_only_public_threads(
    hub: tuple[FastAPI, httpx.AsyncClient], city_token: Callable[[str], str], admin_token: str
) -> None:
    _, client = hub
    members = (await client.get("/v1/forum/members")).json()
    assert {(m["organisation"], m["kind"]) for m in members} == {
        ("Oslo kommune", "city"),
        ("Trondheim kommune", "city"),
        ("Stavanger kommune", "city"),
        ("Kommunal- og distriktsdepartementet (KDD)", "state"),
        ("Klima- og miljødepartementet (KLD)", "state"),
    }
    assert all("subject" not in m for m in members)

    oslo = {"Authorization": f"Bearer {city_token('oslo')}"}
    kdd = member_token("kdd")
    public = await client.post(
        "/v1/forum/threads",
        json={
            "title": "Utslippsfrie byggeplasser",
            "body": "Hvordan stiller dere krav?",
            "visibility": "public",
            "action_id": "oslo-a-7",
        },
        headers=oslo,
    )
    assert public.status_code == 201, public.text
    assert public.json()["author"]["organisation"] == "Oslo kommune"
    closed = await client.post(
        "/v1/forum/threads",
        json={
            "title": "Rammebetingelser",
            "body": "Til neste møte i departementet.",
            "indicator_id": "mel-ev-share",
        },
        headers=kdd,
    )
    assert closed.status_code == 201 and closed.json()["visibility"] == "members"
    assert closed.json()["author"]["organisation"] == "Kommunal- og distriktsdepartementet (KDD)"

    # The public sees the public thread only; a members-only thread is not found for it.
    anonymous = [t["title"] for t in (await client.get("/v1/forum/threads")).json()]
    assert "Utslippsfrie byggeplasser" in anonymous and "Rammebetingelser" not in anonymous
    assert (await client.get(f"/v1/forum/threads/{closed.json()['id']}")).status_code == 404
    trondheim = {"Authorization": f"Bearer {city_token('trondheim')}"}
    as_member = [
        t["title"] for t in (await client.get("/v1/forum/threads", headers=trondheim)).json()
    ]
    assert {"Utslippsfrie byggeplasser", "Rammebetingelser"} <= set(as_member)
    assert (
        await client.get(f"/v1/forum/threads/{closed.json()['id']}", headers=trondheim)
    ).status_code == 200

    # Replies: members only; a non-member city, an admin and a stranger's member token are refused.
    reply = await client.post(
        f"/v1/forum/threads/{public.json()['id']}/replies",
        json={"body": "Vi bruker anskaffelsene."},
        headers=trondheim,
    )
    assert (
        reply.status_code == 201 and reply.json()["author"]["organisation"] == "Trondheim kommune"
    )
    for outsider in (
        {"Authorization": f"Bearer {city_token('tromso')}"},
        {"Authorization": f"Bearer {admin_token}"},
        member_token("somebody"),
    ):
        refused = await client.post(
            f"/v1/forum/threads/{public.json()['id']}/replies",
            json={"body": "Hei"},
            headers=outsider,
        )
        assert refused.status_code == 403, refused.text
        assert (
            await client.post(
                "/v1/forum/threads", json={"title": "t", "body": "b"}, headers=outsider
            )
        ).status_code == 403
    assert (
        await client.post("/v1/forum/threads", json={"title": "t", "body": "b"})
    ).status_code == 401

    thread = (await client.get(f"/v1/forum/threads/{public.json()['id']}")).json()
    assert thread["reply_count"] == 1 and thread["replies"][0]["body"] == "Vi bruker anskaffelsene."
    on_action = (await client.get("/v1/forum/threads", params={"action_id": "oslo-a-7"})).json()
    assert [t["id"] for t in on_action] == [public.json()["id"]]
    on_indicator = (
        await client.get("/v1/forum/threads", params={"indicator_id": "mel-ev-share"}, headers=oslo)
    ).json()
    assert [t["id"] for t in on_indicator] == [closed.json()["id"]]

    # The admin admits members; a member token of the newly enrolled subject may then write.
    admin = {"Authorization": f"Bearer {admin_token}"}
    joined = await client.post(
        "/v1/forum/members",
        json={"organisation": "Miljødirektoratet", "kind": "state", "subject": "miljodir"},
        headers=admin,
    )
    assert joined.status_code == 201
    assert (
        await client.post(
            "/v1/forum/threads",
            json={"title": "Klimasats 2031", "body": "Søknadsfrist."},
            headers=member_token("miljodir"),
        )
    ).status_code == 201
    assert (
        await client.post(
            "/v1/forum/members",
            json={"organisation": "X", "kind": "city", "city": "oslo"},
            headers=admin,
        )
    ).status_code == 409
    assert (
        await client.post(
            "/v1/forum/members", json={"organisation": "X", "kind": "state"}, headers=admin
        )
    ).json()["invalid-params"][0]["name"] == "/body/subject"
    assert (
        await client.post(
            "/v1/forum/members",
            json={"organisation": "X", "kind": "city", "city": "bodo"},
            headers=oslo,
        )
    ).status_code == 403
    nul = await client.post("/v1/forum/threads", json={"title": "t", "body": "a\x00"}, headers=oslo)
    assert nul.status_code == 422 and nul.json()["invalid-params"][0]["name"] == "/body/body"
