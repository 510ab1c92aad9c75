"""The network directory: shipped with the hub, searchable and filterable, and cities and
partners linked to the networks they belong to."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from fastapi import FastAPI

APPENDIX_A = {
    "osloregionen", "naring-for-klima", "stavanger-smart-region", "nordic-edge",
    "baerekraftsnettverket-ks", "kortreist-kvalitet-ks", "finn-eu-ks", "asss-ks",
    "storbynettverket-ks", "smarte-byer-norge", "klimapartnere", "viable-cities",
    "nordic-smart-city-network", "eurocities", "netzerocities", "new-european-bauhaus",
    "craft", "c40-cities", "u4ssc", "race-to-zero",
}  # fmt: skip


async def test_seed_003s_directory_and_the_klimasats_network_and_mission_cities_are_there(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get("/v1/directory/networks")
    assert r.status_code == 200, r.text
    entries = {e["slug"]: e for e in r.json()}
    networks = {s for s, e in entries.items() if e["kind"] == "network"}
    assert networks == APPENDIX_A | {"klimanettverk-nord-norge"}
    assert {s for s, e in entries.items() if e["kind"] == "mission_city"} == {
        "oslo",
        "trondheim",
        "stavanger",
    }
    nordic_edge = entries["nordic-edge"]
    assert nordic_edge["reach"] == ["regional", "national"]
    assert nordic_edge["reach_text"] == "Regionalt, nasjonalt"
    assert nordic_edge["membership_fee"] is False
    assert "Smartby-klynge med hovedsete i Stavanger" in nordic_edge["description"]
    assert entries["klimapartnere"]["membership_fee"] is True
    assert (
        entries["c40-cities"]["fee_note"]
        == "Gratis for byene, men har partnere som bidrar med finansiering"
    )
    assert entries["viable-cities"]["reach_text"] == "Svensk"
    assert entries["viable-cities"]["country"] == "SE"
    assert entries["storbynettverket-ks"]["organisation"] == "KS"
    assert {m["city"] for m in entries["storbynettverket-ks"]["members"]} == {
        "oslo",
        "trondheim",
        "stavanger",
        "tromso",
    }
    nord = entries["klimanettverk-nord-norge"]
    assert "Alta kommune" in nord["known_members"] and "Tromsø kommune" in nord["known_members"]
    assert nord["source"].startswith("Miljødirektoratet")

    # Seeding again changes nothing (the fixture seeded once already).
    from services.hub.seed import seed
    from shared.db import Database

    app, _ = hub
    db: Database = app.state.db
    await seed(db)
    again = (await client.get("/v1/directory/networks")).json()
    assert len(again) == len(entries)
    assert len(next(e for e in again if e["slug"] == "storbynettverket-ks")["members"]) == 4


async def test_the_directory_is_searched_and_filtered(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub

    async def slugs(**params: object) -> set[str]:
        r = await client.get("/v1/directory/networks", params=params)  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        return {e["slug"] for e in r.json()}

    assert await slugs(reach="nordic") == {"nordic-smart-city-network"}
    assert await slugs(reach="global") == {"c40-cities", "u4ssc", "race-to-zero"}
    assert await slugs(reach=["regional"], fee="true") == {"osloregionen"}
    assert await slugs(fee="true") == {"osloregionen", "baerekraftsnettverket-ks", "klimapartnere"}
    assert "nordic-edge" in await slugs(reach="national")
    # Every actor asked for: business and academia together.
    both = await slugs(actor=["business", "academia"], kind="network")
    assert {"nordic-edge", "stavanger-smart-region", "klimapartnere"} <= both
    assert "osloregionen" not in both
    # Text: case-folded, non-ASCII letters included, every word must occur.
    assert await slugs(q="SMARTBY-KLYNGE") == {"nordic-edge"}
    assert "klimanettverk-nord-norge" in await slugs(q="Tromsø kommune")
    assert await slugs(q="næringsliv Osloregionen") == {"naring-for-klima"}
    assert await slugs(q="100%_") == set()
    assert await slugs(city="tromso") == {"storbynettverket-ks", "klimanettverk-nord-norge"}

    bad = await client.get("/v1/directory/networks", params={"reach": "galactic"})
    assert bad.status_code == 422
    assert bad.json()["invalid-params"][0]["name"] == "/query/reach/0"


async def test_a_city_links_itself_and_its_partners_and_no_other_city(
    hub: tuple[FastAPI, httpx.AsyncClient], city_token: Callable[[str], str], admin_token: str
) -> None:
    _, client = hub
    trondheim = {"Authorization": f"Bearer {city_token('trondheim')}"}
    oslo = {"Authorization": f"Bearer {city_token('oslo')}"}

    assert (
        await client.put("/v1/directory/networks/eurocities/members/cities/trondheim")
    ).status_code == 401
    r = await client.put(
        "/v1/directory/networks/eurocities/members/cities/trondheim", headers=trondheim
    )
    assert r.status_code == 201, r.text
    again = await client.put(
        "/v1/directory/networks/eurocities/members/cities/trondheim", headers=trondheim
    )
    assert again.status_code == 200
    refused = await client.put(
        "/v1/directory/networks/eurocities/members/cities/trondheim", headers=oslo
    )
    assert refused.status_code == 403
    assert refused.json()["invalid-params"][0]["name"] == "/path/city"

    partner = uuid.uuid4()
    body = {"city": "trondheim", "name": "Nidelv Energi AS"}
    r = await client.put(
        f"/v1/directory/networks/klimapartnere/members/partners/{partner}",
        json=body,
        headers=trondheim,
    )
    assert r.status_code == 201, r.text
    stolen = await client.put(
        f"/v1/directory/networks/klimapartnere/members/partners/{partner}",
        json={"city": "oslo", "name": "Nidelv Energi AS"},
        headers=oslo,
    )
    assert stolen.status_code == 403
    assert (
        await client.delete(
            f"/v1/directory/networks/klimapartnere/members/partners/{partner}", headers=oslo
        )
    ).status_code == 403

    mine = (await client.get("/v1/directory/cities/trondheim/networks")).json()
    assert {(m["network"], m["member_kind"]) for m in mine} >= {
        ("eurocities", "city"),
        ("klimapartnere", "partner"),
        ("netzerocities", "city"),
    }
    assert (
        await client.get(
            "/v1/directory/networks", params={"city": "trondheim", "q": "200 europeiske byer"}
        )
    ).json()[0]["slug"] == "eurocities"

    # A mission city is not a network one joins; unknown networks are 404; bad input names its field.
    assert (
        await client.put("/v1/directory/networks/oslo/members/cities/trondheim", headers=trondheim)
    ).status_code == 409
    assert (
        await client.put("/v1/directory/networks/nope/members/cities/trondheim", headers=trondheim)
    ).status_code == 404
    bad = await client.put(
        f"/v1/directory/networks/klimapartnere/members/partners/{partner}",
        json={"city": "trondheim", "name": "a\x00b"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert bad.status_code == 422
    assert bad.json()["invalid-params"][0]["name"] == "/body/name"

    assert (
        await client.delete(
            "/v1/directory/networks/eurocities/members/cities/trondheim", headers=trondheim
        )
    ).status_code == 204
    members = (await client.get("/v1/directory/networks/eurocities/members")).json()
    assert all(m["city"] != "trondheim" for m in members)
