"""Gatherings: seed 004's programme, registration with places per gathering and track, the
waitlist promoted first come first served (also under concurrent registrations), cancellation,
the organiser's participant list, the iCalendar feeds and times in Europe/Oslo."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from icalendar import Calendar

SEED_004 = "klimasamling-troms-finnmark-2020"


def gathering(
    slug: str,
    *,
    capacity: int | None,
    tracks: list[dict[str, Any]] | None = None,
    deadline: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    start = datetime(2030, 11, 18, 8, 30, tzinfo=UTC)
    return {
        "slug": slug, "title": "Klimasamling", "venue": "Rådhuset", "organiser": "Testfylket",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(days=1, hours=7)).isoformat(),
        "registration_deadline": (deadline or datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "capacity": capacity, "tracks": tracks or [],
        "sessions": [{"starts_at": start.isoformat(), "title": "Åpning", "speakers": [{"name": "Ordfører"}]}],
        **extra,
    }  # fmt: skip


def person(n: int, track: str | None = None) -> dict[str, Any]:
    return {
        "name": f"Deltaker {n}",
        "email": f"deltaker{n}@kommune.no",
        "organisation": "Kommunen",
        "track": track,
    }


async def test_seed_004s_programme_is_there_with_both_days_and_both_tracks_on_day_2(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get(f"/v1/gatherings/{SEED_004}")
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["title"] == "Klimasamling for kommunene i Troms og Finnmark"
    assert g["venue"] == "Clarion Hotel The Edge, Tromsø"
    assert g["time_zone"] == "Europe/Oslo"
    # Shown in Oslo time with the zone's offset (stored in UTC).
    assert g["starts_at"] == "2020-11-18T08:30:00+01:00"
    assert g["registration_deadline"] == "2020-09-11T23:59:59+02:00"
    assert g["registration_open"] is False
    assert g["capacity"] == 200
    days = {d["day"]: d for d in g["programme"]}
    assert list(days) == ["2020-11-18", "2020-11-19"]
    day1, day2 = days["2020-11-18"], days["2020-11-19"]
    assert day1["tracks"] == {}
    assert day1["plenary"][0]["title"] == "Åpning av samlingen"
    assert day1["plenary"][0]["speakers"] == [
        {"name": "Elisabeth Vik Aspaker", "role": "fylkesmann"}
    ]
    panel = next(s for s in day1["plenary"] if s["title"].startswith("Paneldiskusjon"))
    assert panel["starts_at"] == "2020-11-18T16:50:00+01:00" and len(panel["speakers"]) == 6
    assert day1["plenary"][-1]["title"] == "Middag"
    assert set(day2["tracks"]) == {"A", "B"} and day2["plenary"] == []
    assert day2["tracks"]["A"][0]["title"] == "Del A: Vær smart-kurs (klimatilpasning)"
    assert day2["tracks"]["A"][0]["ends_at"] == "2020-11-19T15:30:00+01:00"
    assert [s["starts_at"][11:16] for s in day2["tracks"]["B"]] == [
        "09:00",
        "09:30",
        "10:00",
        "11:00",
        "12:00",
        "14:00",
    ]
    assert {t["key"]: t["title"] for t in g["tracks"]} == {
        "A": "Klimatilpasning: Vær Smart-kurs",
        "B": "Kutte utslipp av klimagasser: Klimakrav i anskaffelser",
    }
    closed = await client.post(f"/v1/gatherings/{SEED_004}/registrations", json=person(1, "A"))
    assert closed.status_code == 409 and closed.json()["type"].endswith("registration-closed")

    ics = await client.get(f"/v1/gatherings/{SEED_004}/programme.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(ics.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 26
    opening = next(e for e in events if str(e["SUMMARY"]) == "Åpning av samlingen")
    start = opening.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Oslo"
    assert start.astimezone(UTC) == datetime(2020, 11, 18, 7, 30, tzinfo=UTC)
    assert any(c.name == "VTIMEZONE" and str(c["TZID"]) == "Europe/Oslo" for c in cal.walk())
    assert b"TZID=Europe/Oslo:20201118T083000" in ics.content
    feed = await client.get("/v1/gatherings/calendar.ics")
    assert feed.status_code == 200
    assert any(
        str(e["UID"]) == f"gathering-{SEED_004}@klimaby.no"
        for e in Calendar.from_ical(feed.content).walk("VEVENT")
    )


async def test_a_full_gathering_waitlists_and_a_cancellation_promotes_the_first(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str, city_token: Callable[[str], str]
) -> None:
    _, client = hub
    slug = f"samling-{uuid.uuid4().hex[:8]}"
    admin = {"Authorization": f"Bearer {admin_token}"}
    assert (
        await client.post("/v1/gatherings", json=gathering(slug, capacity=2), headers=admin)
    ).status_code == 201

    receipts = []
    for n in range(4):
        r = await client.post(f"/v1/gatherings/{slug}/registrations", json=person(n))
        assert r.status_code == 201, r.text
        receipts.append(r.json())
    assert [r["status"] for r in receipts] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r["waitlist_position"] for r in receipts] == [None, None, 1, 2]

    # The person cancels with their token; the first on the waitlist gets the place.
    first, _, third, fourth = receipts
    wrong = await client.delete(
        f"/v1/gatherings/{slug}/registrations/{first['id']}",
        headers={"X-Registration-Token": fourth["cancellation_token"]},
    )
    assert wrong.status_code == 403
    assert (
        await client.delete(f"/v1/gatherings/{slug}/registrations/{first['id']}")
    ).status_code == 401
    r = await client.delete(
        f"/v1/gatherings/{slug}/registrations/{first['id']}",
        headers={"X-Registration-Token": first["cancellation_token"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["registration"]["status"] == "cancelled" and r.json()["promoted"] == 1
    me = await client.get(
        f"/v1/gatherings/{slug}/registrations/{third['id']}",
        headers={"X-Registration-Token": third["cancellation_token"]},
    )
    assert me.json()["status"] == "confirmed" and me.json()["promoted_at"] is not None
    me = await client.get(
        f"/v1/gatherings/{slug}/registrations/{fourth['id']}",
        headers={"X-Registration-Token": fourth["cancellation_token"]},
    )
    assert me.json()["status"] == "waitlisted" and me.json()["waitlist_position"] == 1
    # Cancelling twice changes nothing; a waitlisted cancellation frees no place.
    again = await client.delete(f"/v1/gatherings/{slug}/registrations/{first['id']}", headers=admin)
    assert again.json()["promoted"] == 0

    # The participant list is the organiser's only; it has the e-mail addresses.
    assert (await client.get(f"/v1/gatherings/{slug}/registrations")).status_code == 401
    assert (
        await client.get(
            f"/v1/gatherings/{slug}/registrations",
            headers={"Authorization": f"Bearer {city_token('oslo')}"},
        )
    ).status_code == 403
    listed = (await client.get(f"/v1/gatherings/{slug}/registrations", headers=admin)).json()
    assert [(p["email"], p["status"]) for p in listed] == [
        ("deltaker0@kommune.no", "cancelled"),
        ("deltaker1@kommune.no", "confirmed"),
        ("deltaker2@kommune.no", "confirmed"),
        ("deltaker3@kommune.no", "waitlisted"),
    ]
    public = (await client.get(f"/v1/gatherings/{slug}")).json()
    assert "email" not in str(public) and public["confirmed"] == 2 and public["waitlisted"] == 1
    assert public["places_left"] == 0

    # More places (organiser) go to the waitlist at once.
    more = await client.patch(f"/v1/gatherings/{slug}", json={"capacity": 3}, headers=admin)
    assert (
        more.status_code == 200 and more.json()["waitlisted"] == 0 and more.json()["confirmed"] == 3
    )
    # The same e-mail cannot hold two registrations.
    dup = await client.post(f"/v1/gatherings/{slug}/registrations", json=person(1))
    assert dup.status_code == 409 and dup.json()["invalid-params"][0]["name"] == "/body/email"


async def test_places_per_track_and_promotion_within_the_track_first_come_first_served(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = hub
    slug = f"spor-{uuid.uuid4().hex[:8]}"
    admin = {"Authorization": f"Bearer {admin_token}"}
    tracks = [
        {"key": "A", "day": "2030-11-19", "title": "Klimatilpasning", "capacity": 1},
        {"key": "B", "day": "2030-11-19", "title": "Anskaffelser", "capacity": 2},
    ]
    body = gathering(slug, capacity=3, tracks=tracks)
    body["sessions"].append(
        {"track": "B", "starts_at": "2030-11-19T09:00:00+01:00", "title": "Klimakrav"}
    )
    assert (await client.post("/v1/gatherings", json=body, headers=admin)).status_code == 201

    need_track = await client.post(f"/v1/gatherings/{slug}/registrations", json=person(0))
    assert (
        need_track.status_code == 422
        and need_track.json()["invalid-params"][0]["name"] == "/body/track"
    )
    a1 = (await client.post(f"/v1/gatherings/{slug}/registrations", json=person(1, "A"))).json()
    a2 = (await client.post(f"/v1/gatherings/{slug}/registrations", json=person(2, "A"))).json()
    b1 = (await client.post(f"/v1/gatherings/{slug}/registrations", json=person(3, "B"))).json()
    b2 = (await client.post(f"/v1/gatherings/{slug}/registrations", json=person(4, "B"))).json()
    b3 = (await client.post(f"/v1/gatherings/{slug}/registrations", json=person(5, "B"))).json()
    assert [r["status"] for r in (a1, a2, b1, b2, b3)] == [
        "confirmed",
        "waitlisted",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]

    # A place freed in track B goes to the first waiting for B, not to the earlier A waiter.
    r = await client.delete(
        f"/v1/gatherings/{slug}/registrations/{b1['id']}",
        headers={"X-Registration-Token": b1["cancellation_token"]},
    )
    assert r.json()["promoted"] == 1
    people = {
        p["email"]: p["status"]
        for p in (await client.get(f"/v1/gatherings/{slug}/registrations", headers=admin)).json()
    }
    assert (
        people["deltaker5@kommune.no"] == "confirmed"
        and people["deltaker2@kommune.no"] == "waitlisted"
    )
    shown = (await client.get(f"/v1/gatherings/{slug}")).json()
    assert {t["key"]: (t["confirmed"], t["waitlisted"]) for t in shown["tracks"]} == {
        "A": (1, 1),
        "B": (2, 0),
    }


async def test_concurrent_registrations_never_overbook_and_keep_arrival_order(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    """On PostgreSQL the gathering's row lock serialises the decisions; on SQLite the write lock."""
    _, client = hub
    slug = f"rush-{uuid.uuid4().hex[:8]}"
    admin = {"Authorization": f"Bearer {admin_token}"}
    assert (
        await client.post("/v1/gatherings", json=gathering(slug, capacity=5), headers=admin)
    ).status_code == 201

    answers = await asyncio.gather(
        *(client.post(f"/v1/gatherings/{slug}/registrations", json=person(n)) for n in range(16))
    )
    assert all(a.status_code == 201 for a in answers), [
        a.text for a in answers if a.status_code != 201
    ]
    statuses = [a.json()["status"] for a in answers]
    assert statuses.count("confirmed") == 5 and statuses.count("waitlisted") == 11
    listed = (await client.get(f"/v1/gatherings/{slug}/registrations", headers=admin)).json()
    # In arrival order (the order places were decided), the first five have the places.
    assert [p["status"] for p in listed] == ["confirmed"] * 5 + ["waitlisted"] * 11
    assert [p["waitlist_position"] for p in listed[5:]] == list(range(1, 12))

    # Concurrent cancellations of every confirmed place promote exactly five, in order.
    confirmed = [a.json() for a in answers if a.json()["status"] == "confirmed"]
    cancels = await asyncio.gather(
        *(
            client.delete(
                f"/v1/gatherings/{slug}/registrations/{r['id']}",
                headers={"X-Registration-Token": r["cancellation_token"]},
            )
            for r in confirmed
        )
    )
    assert sum(c.json()["promoted"] for c in cancels) == 5
    after = (await client.get(f"/v1/gatherings/{slug}/registrations", headers=admin)).json()
    active = [p for p in after if p["status"] != "cancelled"]
    assert [p["status"] for p in active] == ["confirmed"] * 5 + ["waitlisted"] * 6


async def test_registration_closes_at_the_deadline_and_bad_input_names_the_field(
    hub: tuple[FastAPI, httpx.AsyncClient], admin_token: str
) -> None:
    _, client = hub
    admin = {"Authorization": f"Bearer {admin_token}"}
    slug = f"lukket-{uuid.uuid4().hex[:8]}"
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert (
        await client.post(
            "/v1/gatherings", json=gathering(slug, capacity=None, deadline=past), headers=admin
        )
    ).status_code == 201
    r = await client.post(f"/v1/gatherings/{slug}/registrations", json=person(1))
    assert r.status_code == 409 and r.json()["type"].endswith("registration-closed")

    naive = gathering(f"naiv-{uuid.uuid4().hex[:8]}", capacity=1)
    naive["starts_at"] = "2030-11-18T08:30:00"
    bad = await client.post("/v1/gatherings", json=naive, headers=admin)
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "/body/starts_at"
    ancient = gathering(f"gammel-{uuid.uuid4().hex[:8]}", capacity=1)
    ancient["starts_at"] = "0001-01-01T00:00:00+14:00"  # would overflow on the way to UTC
    bad = await client.post("/v1/gatherings", json=ancient, headers=admin)
    assert bad.status_code == 422 and bad.json()["invalid-params"][0]["name"] == "/body/starts_at"
    wrong_track = gathering(f"spor-{uuid.uuid4().hex[:8]}", capacity=1)
    wrong_track["sessions"][0]["track"] = "Z"
    bad = await client.post("/v1/gatherings", json=wrong_track, headers=admin)
    assert (
        bad.status_code == 422
        and bad.json()["invalid-params"][0]["name"] == "/body/sessions/0/track"
    )
    for name in ("Mars/Olympus", "Europe", "a\x00b"):  # "Europe" is a directory of tzdata
        zone = gathering(f"sone-{uuid.uuid4().hex[:8]}", capacity=1, time_zone=name)
        bad = await client.post("/v1/gatherings", json=zone, headers=admin)
        assert bad.status_code == 422, bad.text
        assert bad.json()["invalid-params"][0]["name"] == "/body/time_zone"
    assert (
        await client.post("/v1/gatherings", json=gathering("x-unauth", capacity=1))
    ).status_code == 401
    email = await client.post(
        f"/v1/gatherings/{SEED_004}/registrations", json={**person(1, "A"), "email": "nope"}
    )
    assert email.status_code == 422 and email.json()["invalid-params"][0]["name"] == "/body/email"
