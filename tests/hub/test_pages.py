"""The dashboard pages show the projected figures and keep themselves up to date."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI

from shared.events.payloads import CityRegistered
from tests.hub.conftest import Publisher, wait_for_city
from tests.hub.test_projection import accounted


def live_figure(html: str) -> int:
    match = re.search(r'<[^>]*\bid="live-tco2e"[^>]*>', html)
    assert match, "the page has no element with id live-tco2e"
    co2e_mg = re.search(r'data-co2e-mg="(-?\d+)"', match.group(0))
    assert co2e_mg, "the live figure has no data-co2e-mg"
    return int(co2e_mg.group(1))


async def test_the_city_page_shows_the_live_figure_and_refreshes_itself(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(
        CityRegistered(city=city, name="Nordre Fjellby", bidding_zone="NO3"), key=city
    )
    await publisher.publish(accounted(city, 12_345_678_901_234, readings=42), key=city)
    await wait_for_city(client, city, lambda c: c["readings_accounted"] == 42 and c["name"])

    r = await client.get(f"/cities/{city}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert live_figure(html) == 12_345_678_901_234
    assert "12,345.7" in html  # tonnes, rounded for display (kilograms show below 1,000 t)
    assert "<h1>Nordre Fjellby</h1>" in html
    assert 'id="readings-accounted">42<' in html
    # Refreshes itself: a script polling the JSON resource, and a fallback without script.
    assert f'data-api="../v1/cities/{city}"' in html
    assert "setTimeout(refresh, 2500)" in html
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', html)
    # No external assets; inline code runs only with the response's nonce.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'<script nonce="{nonce.group(1)}">' in html
    assert "default-src 'none'" in csp

    index = await client.get("/")
    assert index.status_code == 200
    assert f'href="cities/{city}">Nordre Fjellby</a>' in index.text


async def test_a_city_not_heard_of_yet_is_a_404_page_that_looks_again(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get(f"/cities/ingenby-{uuid.uuid4().hex[:8]}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert '<meta http-equiv="refresh"' in r.text


async def test_names_from_events_are_escaped(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="<script>alert(1)</script>"), key=city)
    await wait_for_city(client, city, lambda c: c["name"] is not None)
    html = (await client.get(f"/cities/{city}")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
