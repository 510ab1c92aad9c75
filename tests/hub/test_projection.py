"""The hub projects inventory and contracts events into each city's progress."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from shared.events.payloads import (
    AccountedCell,
    BudgetStatusChanged,
    CityRegistered,
    EmissionsAccounted,
    MouDrafted,
    MouSigned,
    PartnerRegistered,
)
from tests.helpers import eventually
from tests.hub.conftest import Publisher, wait_for_city

PERIOD_START = datetime(2025, 1, 6, 8, tzinfo=UTC)


def accounted(city: str, co2e_mg: int, readings: int) -> EmissionsAccounted:
    return EmissionsAccounted(
        city=city,
        readings_accounted=readings,
        co2e_mg=co2e_mg,
        tco2e=co2e_mg / 1e9,
        cells=[AccountedCell(gpc_reference="I.1.2", scope=2, readings=readings, co2e_mg=co2e_mg)],
        period_start=PERIOD_START,
        period_end=PERIOD_START + timedelta(minutes=15),
    )


async def test_emissions_before_the_city_registration_still_count(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    # Accounted emissions arrive before the hub has heard of the city.
    amounts = [1_234_567_890_123, 987_654_321, 1]
    for amount in amounts:
        await publisher.publish(accounted(city, amount, readings=4), key=city)
    progress = await wait_for_city(client, city, lambda c: c["readings_accounted"] == 12)
    assert progress["name"] is None
    assert progress["co2e_mg"] == sum(amounts)  # exact: integers, not float tonnes
    assert progress["live_tco2e"] == "1235.555544445"  # exact tonnes, 9 places, a string
    assert progress["last_accounted_at"] is not None

    await publisher.publish(
        CityRegistered(city=city, name="Fjordvik", bidding_zone="NO5", mission_city=True),
        key=city,
    )
    progress = await wait_for_city(client, city, lambda c: c["name"] == "Fjordvik")
    assert progress["bidding_zone"] == "NO5"
    assert progress["mission_city"] is True
    assert progress["co2e_mg"] == sum(amounts)
    assert progress["readings_accounted"] == 12


async def test_a_redelivered_event_is_counted_once(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Dobbelby"), key=city)
    once = publisher.event(accounted(city, 5_000_000_000, readings=10))
    await publisher.send(once, key=city)
    await publisher.send(once, key=city)  # the same CloudEvent id again, as after a relay retry
    # A later event on the same partition: once it shows, the duplicate has been consumed.
    await publisher.publish(accounted(city, 7, readings=1), key=city)

    progress = await wait_for_city(client, city, lambda c: c["readings_accounted"] >= 11)
    assert progress["readings_accounted"] == 11
    assert progress["co2e_mg"] == 5_000_000_007


async def test_partners_and_mous_are_counted_per_city(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    partners = [uuid.uuid4(), uuid.uuid4()]
    for n, partner_id in enumerate(partners):
        await publisher.publish(
            PartnerRegistered(
                partner_id=partner_id, city=city, name=f"Partner {n}", helix="business"
            ),
            key=city,
        )
    mous = [uuid.uuid4(), uuid.uuid4()]
    for mou_id, partner_id in zip(mous, partners, strict=True):
        await publisher.publish(
            MouDrafted(mou_id=mou_id, partner_id=partner_id, city=city, title="Avtale"), key=city
        )
    await publisher.publish(
        MouSigned(
            mou_id=mous[0],
            partner_id=partners[0],
            city=city,
            signed_on="2025-05-05",
            signatory="Kari Nordmann",
        ),
        key=city,
    )
    progress = await wait_for_city(client, city, lambda c: c["mous_signed"] == 1)
    assert (progress["partners"], progress["mous_drafted"], progress["mous_signed"]) == (2, 2, 1)
    # A city known only from contracts events: a row with no emissions and no name yet.
    assert progress["name"] is None
    assert progress["co2e_mg"] == 0
    assert progress["last_accounted_at"] is None

    listed = (await client.get("/v1/cities")).json()
    assert [c for c in listed if c["city"] == city] == [progress]


async def test_an_unknown_city_is_a_404_problem(hub: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = hub
    r = await client.get("/v1/cities/ingenby-" + uuid.uuid4().hex[:8])
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["invalid-params"][0]["name"] == "/path/city"

    r = await client.get("/v1/cities/Not%20A%20Slug")
    assert r.status_code == 422
    assert r.json()["invalid-params"][0]["name"] == "/path/city"


async def test_event_types_this_build_does_not_know_are_read_tolerantly(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    """A newer contracts service's action and label events, straight from the broker."""
    from shared.events.catalogue import CONTRACTS_EVENTS
    from shared.events.envelope import CloudEvent, encode_event

    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Framtidsby"), key=city)
    now = datetime.now(UTC)
    for event_type, data in [
        ("no.klimaby.ccc.action.status_changed",
         {"city": city, "action_id": "A-1", "title": "Elektriske ferger", "status": "delayed",
          "gpc_reference": "II.3.1", "something_new": {"nested": True}}),
        ("no.klimaby.label.awarded", {"city": city, "awarded_on": "2026-05-01"}),
    ]:  # fmt: skip
        envelope = CloudEvent(
            id=str(uuid.uuid4()), source="/klimaby/contracts", type=event_type, time=now,
            subject=city, data=data,
        )  # fmt: skip
        await publisher.producer.send_and_wait(
            CONTRACTS_EVENTS, encode_event(envelope), key=city.encode()
        )
    await wait_for_city(client, city, lambda c: c["name"] == "Framtidsby")

    async def context() -> dict[str, Any]:
        return dict((await client.get(f"/v1/cities/{city}/progress")).json())

    c = await eventually(context, lambda c: c["label"] is not None and c["actions"]["total"] == 1)
    assert c["label"]["state"] == "awarded"
    assert (c["actions"]["behind"], c["actions"]["items"][0]["sector"]) == (1, "II")
    # And the page shows it.
    page = await client.get(f"/cities/{city}", params={"lang": "en"})
    assert "Mission Label: awarded" in page.text


async def test_public_json_has_etags_and_cors_and_unknown_cities_are_404s(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Merkeby"), key=city)
    await wait_for_city(client, city, lambda c: c["name"] == "Merkeby")
    for path in (f"/v1/cities/{city}", f"/v1/cities/{city}/progress", "/v1/national", "/v1/cities"):
        r = await client.get(path, headers={"Origin": "https://example.org"})
        assert r.status_code == 200, path
        assert r.headers["access-control-allow-origin"] == "*"
        tag = r.headers["etag"]
        same = await client.get(path, headers={"If-None-Match": tag})
        # The national lists may still change under other tests' events being projected: an
        # answer is then the new body with a new tag, never the old tag; ask again until a
        # 304 shows the tag holds while nothing changes.
        for _ in range(50):
            if same.status_code == 304:
                break
            assert same.status_code == 200 and same.headers["etag"] != tag, path
            tag = same.headers["etag"]
            same = await client.get(path, headers={"If-None-Match": tag})
        assert (same.status_code, same.content) == (304, b""), path
    before = (await client.get(f"/v1/cities/{city}")).headers["etag"]
    await publisher.publish(accounted(city, 7, readings=1), key=city)
    await wait_for_city(client, city, lambda c: c["readings_accounted"] == 1)
    changed = await client.get(f"/v1/cities/{city}", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["etag"] != before
    preflight = await client.options(
        "/v1/national",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200

    unknown = f"ingenby-{uuid.uuid4().hex[:8]}"
    for path in (f"/v1/cities/{unknown}", f"/v1/cities/{unknown}/progress", f"/cities/{unknown}"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get("/v1/stream", params={"city": unknown})).status_code == 404


async def test_a_target_event_gives_the_trajectory_and_the_share_cut_from_the_baseline(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    """target.set from the broker: the city's trajectory is the event's, the share cut is an
    estimate while only the baseline year is published, and the published figure once a later
    inventory is; on the JSON, the city page and the national table, in bokmål and English."""
    from shared.localtime import local_year
    from tests.hub.test_context import T, inventory, target_set

    _, client = hub
    now = datetime.now(UTC)
    year = local_year(now, "Europe/Oslo")
    sectors = {"I": 600 * T, "II": 400 * T}
    target = target_set(city, 2022, sectors, 2030, 95, exempted={"II": 2040}, set_at=now)
    await publisher.publish(CityRegistered(city=city, name="Målby"), key=city)
    await publisher.publish(inventory(city, 2022, sectors), key=city)
    await publisher.publish(target, key=city)
    for sector, estimate in (("I", 200 * T), ("II", 150 * T)):
        await publisher.publish(
            BudgetStatusChanged(
                city=city, year=year, sector=sector, status="on_track", ytd_co2e_mg=estimate,
                ceiling_co2e_mg=120 * T, prorated_ceiling_co2e_mg=55 * T, profile="flat",
                evaluated_at=now, estimate_co2e_mg=estimate, method="mixed", measured_share=0.2,
            ),
            key=city,
        )  # fmt: skip

    async def context() -> dict[str, Any]:
        return dict((await client.get(f"/v1/cities/{city}/progress")).json())

    c = await eventually(context, lambda c: c.get("baseline_cut_estimate") is not None)
    assert [(p["year"], p["source"]) for p in c["trajectory"]] == [
        (p.year, "target") for p in target.trajectory
    ]
    assert [int(Decimal(p["tco2e"]) * T) for p in c["trajectory"]] == [
        p.co2e_mg for p in target.trajectory
    ]
    assert c["baseline"]["inventory"] == f"{city}/2022/v1"
    assert c["baseline_cut_share"] is None
    assert c["baseline_cut_estimate"]["share"] == "0.2364"  # 1 - 350 / (1000 x 55/120)

    for lang, label in (("nb", "Anslag for"), ("en", "Estimate for")):
        page = await client.get(f"/cities/{city}", params={"lang": lang})
        assert f"{label} {year}" in page.text, lang
        assert "23,6\u00a0%" in page.text if lang == "nb" else "23.6\u00a0%" in page.text
        # A year of the target's line that has no inventory is a row of the table.
        assert 'data-year="2040"' in page.text
    national = (await client.get("/v1/national")).json()
    row = next(r for r in national["cities"] if r["city"] == city)
    assert (row["baseline_cut_share"], row["baseline_cut_estimate_share"]) == (None, "0.2364")
    page = await client.get("/", params={"lang": "en"})
    assert f"(estimate {year})" in page.text

    # A later published inventory: the share cut is the published one, not an estimate.
    await publisher.publish(inventory(city, 2024, {"I": 500 * T, "II": 300 * T}), key=city)
    c = await eventually(context, lambda c: c["baseline_cut_share"] is not None)
    assert c["baseline_cut_share"] == "0.2000"
    page = await client.get(f"/cities/{city}", params={"lang": "en"})
    assert "Cut from the baseline: 20.0\u00a0%" in page.text
