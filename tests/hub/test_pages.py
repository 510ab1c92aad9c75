"""The dashboard pages: bokmål first, English on request, a table beside each chart, the
vendored Chart.js from the hub itself, names escaped, and a 404 page for an unknown city that
does not reload itself."""

from __future__ import annotations

import asyncio
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


async def test_every_budgeted_sector_has_a_row_and_the_pages_speak_one_language(
    hub: tuple[FastAPI, httpx.AsyncClient], publisher: Publisher, city: str
) -> None:
    from shared.events.payloads import BudgetStatusChanged
    from tests.hub.test_context import T, inventory

    _, client = hub
    await publisher.publish(CityRegistered(city=city, name="Avfallby"), key=city)
    await publisher.publish(
        inventory(city, 2022, {"I": 500 * T, "II": 300 * T, "III": 90 * T}), key=city
    )
    now = datetime.now(UTC).replace(microsecond=0)
    await publisher.publish(
        BudgetStatusChanged(
            city=city, year=now.year, sector="I", status="on_track", ytd_co2e_mg=40 * T,
            ceiling_co2e_mg=300 * T, prorated_ceiling_co2e_mg=35 * T, profile="flat",
            evaluated_at=now, estimate_co2e_mg=30 * T,
        ),
        key=city,
    )  # fmt: skip
    await wait_for_city(client, city, lambda c: c["name"] == "Avfallby")
    for _ in range(100):
        progress = (await client.get(f"/v1/cities/{city}/progress")).json()
        if progress["inventories"] and progress["live"]["ceiling_tco2e"] is not None:
            break
        await asyncio.sleep(0.1)
    html = (await client.get(f"/cities/{city}")).text
    table = html.split('id="pace-table"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<tr data-sector="([IV]+)">(.*?)</tr>', table, re.S))
    # II and III have no pace: listed, "no data", never on track; IV and V were not budgeted.
    assert sorted(rows) == ["I", "II", "III"]
    assert "i rute" in rows["I"]
    for sector in ("II", "III"):
        assert "ingen data" in rows[sector] and "i rute" not in rows[sector]
    assert 'id="live-estimate">30,000<' in html  # the budget's estimate beside the ceiling
    # The chart's trajectory (here this year's ceiling, no target) is in the table too, in the
    # row of its own year, beside the inventory's year.
    years = html.split('id="year-table"')[1].split("</table>")[0]
    year_rows = dict(re.findall(r'<tr data-year="(\d+)">(.*?)</tr>', years, re.S))
    assert sorted(year_rows) == sorted({"2022", str(now.year)})
    assert '<td data-field="trajectory">300,000</td>' in year_rows[str(now.year)]
    nb = (await client.get("/?lang=nb")).text
    assert "Grunnlaget: hver bys nyeste publiserte klimagassregnskap" in nb
    assert "newest published" not in nb
    en = (await client.get("/?lang=en")).text
    assert "The basis: each city" in en and "Grunnlaget" not in en
    row = en.split(f'<tr data-city="{city}">')[1].split("</tr>")[0]
    assert '<td data-field="no-data">2</td>' in row


def test_a_small_figure_per_resident_never_reads_as_zero() -> None:
    from decimal import Decimal

    from services.hub.progress.i18n import Words

    nb, en = Words("nb"), Words("en")
    assert nb.small(Decimal("0.0000000423")) == "0,000000042"
    assert en.small(Decimal("0.00012")) == "0.00012"
    assert en.small(Decimal("1.49")) == "1.4900"
    assert en.small(Decimal(0)) == "0.0000" and en.small(None) == "\u2013"
