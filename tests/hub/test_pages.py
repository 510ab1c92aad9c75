"""The dashboard pages: bokmål first, English on request, a table beside each chart, the
vendored Chart.js from the hub itself, names escaped, and a 404 page for an unknown city that
does not reload itself."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from shared.events.payloads import CityRegistered
from tests.hub.conftest import Publisher, wait_for_city
from tests.hub.test_context import accounted_at


def total_figure(html: str) -> int:
    match = re.search(r'<[^>]*\bid="total-co2e"[^>]*>', html)
    assert match, "the page has no element with id total-co2e"
    co2e_mg = re.search(r'data-co2e-mg="(-?\d+)"', match.group(0))
    assert co2e_mg, "the total has no data-co2e-mg"
    return int(co2e_mg.group(1))


async def test_the_city_page_in_bokmal_and_in_english(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(
        CityRegistered(city=city, name="Nordre Fjellby", bidding_zone="NO3"), key=city
    )
    now = datetime.now(UTC).replace(microsecond=0)
    await publisher.publish(
        accounted_at(city, now, {"I.1.2": 12_345_678_901_234, "II.1.1": 1_000_000_000}), key=city
    )
    await wait_for_city(client, city, lambda c: c["readings_accounted"] == 2 and c["name"])

    r = await client.get(f"/cities/{city}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == "nb"
    html = r.text
    assert '<html lang="nb">' in html
    assert total_figure(html) == 12_346_678_901_234
    assert "12\u00a0346,7" in html  # bokmål numbers: spaced thousands, decimal comma
    assert "<h1>Nordre Fjellby</h1>" in html
    assert "Årets tempo per sektor mot klimabudsjettet" in html
    assert "ingen data" in html  # no budget pace evaluated: never "i rute"
    assert "i rute" not in html.split('id="pace-table"')[1].split("</table>")[0]
    # Each chart has a table beside it and an accessible name.
    assert re.search(r'<canvas id="chart-months" role="img" aria-label="[^"]+">', html)
    assert 'id="month-table"' in html and 'id="pace-table"' in html
    assert f'data-stream="../v1/stream?city={city}"' in html
    assert '<main id="main"' in html and '<nav aria-label="' in html
    # Everything comes from the hub itself; scripts only from its own origin.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'src="../static/vendor/chartjs/chart.umd.min.js"' in html
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "<script>" not in html  # no inline script (the data blocks are not executed)

    en = await client.get(f"/cities/{city}", params={"lang": "en"})
    assert '<html lang="en">' in en.text
    assert "This year&#39;s pace per sector against the climate budget" in en.text
    assert "12,346.7" in en.text
    assert "no data" in en.text
    by_header = await client.get(f"/cities/{city}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in by_header.text
    assert "accept-language" in by_header.headers["vary"].lower()
    norsk = await client.get(f"/cities/{city}", headers={"Accept-Language": "nn,en;q=0.5"})
    assert '<html lang="nb">' in norsk.text
    # The switch links to the other language.
    assert 'href="?lang=en" hreflang="en" lang="en">English</a>' in html

    index = await client.get("/", params={"lang": "en"})
    assert index.status_code == 200
    assert f'href="cities/{city}?lang=en">Nordre Fjellby</a>' in index.text
    assert "Climate-neutral cities" in index.text


async def test_the_vendored_chart_library_and_its_licence_are_served(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    js = await client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert js.text.startswith("/*!\n * Chart.js v4")
    assert (await client.get("/static/vendor/chartjs/LICENSE.md")).status_code == 200
    again = await client.get(
        "/static/vendor/chartjs/chart.umd.min.js", headers={"If-None-Match": js.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get("/static/../settings.py")).status_code == 404
    assert (await client.get("/static/nothing.js")).status_code == 404


async def test_a_city_not_heard_of_is_a_404_page_that_does_not_reload_itself(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get(f"/cities/ingenby-{uuid.uuid4().hex[:8]}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "http-equiv" not in r.text
    assert "EventSource" not in r.text and "data-stream" not in r.text
    assert "Ukjent by" in r.text


async def test_names_from_events_are_escaped(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="</script><b>x</b>"), key=city)
    await wait_for_city(client, city, lambda c: c["name"] is not None)
    html = (await client.get(f"/cities/{city}")).text
    assert "</script><b>x</b>" not in html
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "\\u003c/script\\u003e" in html  # inside the JSON data block
