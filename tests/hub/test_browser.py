"""The dashboard in a real headless Chromium (Debian's chromium, driven by Playwright): the
charts render, the live figure changes without a reload (SSE), and axe-core finds no serious
or critical accessibility violation. These tests must run, never skip: a missing browser is
installed with apt-get (CI runs as root) and a failure to get one fails the test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page

from shared.events.payloads import BudgetStatusChanged, CityRegistered
from tests.browser import WAIT_MS
from tests.hub.conftest import Publisher, wait_for_city
from tests.hub.test_context import T, accounted_at, inventory

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"

# One database is enough for what a browser sees (the projection runs on both elsewhere).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(content=AXE.read_text())
    found = await page.evaluate(
        "async () => { const r = await axe.run(document);"
        " return {violations: r.violations, passes: r.passes.length}; }"
    )
    assert found["passes"] > 10, "axe checked (almost) nothing"
    result = found["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


async def a_city_with_context(publisher: Publisher, city: str) -> None:
    await publisher.publish(CityRegistered(city=city, name="Lysby", mission_city=True), key=city)
    await publisher.publish(inventory(city, 2019, {"I": 500 * T, "II": 300 * T}), key=city)
    await publisher.publish(inventory(city, 2023, {"I": 350 * T, "II": 250 * T}), key=city)
    now = datetime.now(UTC).replace(microsecond=0)
    await publisher.publish(
        BudgetStatusChanged(
            city=city, year=now.year, sector="I", status="at_risk", ytd_co2e_mg=40 * T,
            ceiling_co2e_mg=300 * T, prorated_ceiling_co2e_mg=35 * T, profile="flat",
            evaluated_at=now,
        ),
        key=city,
    )  # fmt: skip
    await publisher.publish(accounted_at(city, now, {"I.1.2": 2 * T}), key=city)


async def test_the_city_page_draws_its_charts_and_goes_live_without_a_reload(
    hub: tuple[FastAPI, httpx.AsyncClient],
    hub_url: str,
    publisher: Publisher,
    city: str,
    browser: Browser,
) -> None:
    _, api = hub
    await a_city_with_context(publisher, city)
    await wait_for_city(api, city, lambda c: c["readings_accounted"] == 1 and c["name"])

    context = await browser.new_context(bypass_csp=False)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(f"{hub_url}/cities/{city}?lang=en")
    for chart in ("chart-years", "chart-months"):
        await page.wait_for_selector(
            f"#{chart}[data-chart-ready]", state="attached", timeout=WAIT_MS
        )
        drawn = await page.evaluate(
            """(id) => { const c = document.getElementById(id);
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) n++; return n; }""",
            chart,
        )
        assert drawn > 100, f"{chart} has no drawn pixels"
    years_sets = await page.eval_on_selector("#chart-years", "c => c.dataset.chartReady")
    assert int(years_sets) == 3  # two sectors of the inventories, and the budget's ceiling

    await page.evaluate("window.__loadedOnce = 'yes'")
    await page.wait_for_selector("#city[data-stream-open]", state="attached", timeout=WAIT_MS)
    before = await page.text_content("#live-tco2e")
    assert before == "2.000"
    await publisher.publish(accounted_at(city, datetime.now(UTC), {"I.1.2": 3 * T}), key=city)
    await page.wait_for_function(
        "() => document.getElementById('live-tco2e').textContent === '5.000'", timeout=WAIT_MS
    )
    assert await page.evaluate("window.__loadedOnce") == "yes", "the page reloaded"
    assert await page.text_content("#live-readings") == "2"

    # The national page compares per resident: Tromsø has SSB population data for 2023.
    await publisher.publish(inventory("tromso", 2023, {"I": 80 * T, "II": 90 * T}), key="tromso")
    await wait_for_city(api, "tromso", lambda c: True)
    await page.goto(f"{hub_url}/?lang=en")
    await page.wait_for_selector("#chart-per-capita[data-chart-ready]", state="attached",
                                 timeout=WAIT_MS)  # fmt: skip
    legend = await page.evaluate("() => Chart.getChart('chart-per-capita').data.datasets[0].label")
    assert legend == "Per resident (t CO₂e)"
    # The national page is live too: this city's row changes without a reload.
    await page.evaluate("window.__loadedOnce = 'national'")
    await page.wait_for_selector("#national[data-stream-open]", state="attached", timeout=WAIT_MS)
    cell = f'tr[data-city="{city}"] [data-field="live"]'
    assert await page.text_content(cell) == "5.000"
    await publisher.publish(accounted_at(city, datetime.now(UTC), {"II.1.1": 1 * T}), key=city)
    await page.wait_for_function(
        f"() => document.querySelector('{cell}').textContent === '6.000'", timeout=WAIT_MS
    )
    assert await page.evaluate("window.__loadedOnce") == "national", "the page reloaded"
    assert not errors, errors
    await context.close()


async def test_no_serious_accessibility_violation(
    hub: tuple[FastAPI, httpx.AsyncClient],
    hub_url: str,
    publisher: Publisher,
    city: str,
    browser: Browser,
) -> None:
    _, api = hub
    await a_city_with_context(publisher, city)
    await wait_for_city(api, city, lambda c: c["readings_accounted"] == 1)
    # axe is injected as a script of the test: the pages' own CSP would (rightly) refuse it.
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    pages = [
        f"/cities/{city}",
        f"/cities/{city}?lang=en",
        "/",
        "/?lang=en",
        f"/cities/ingenby-{uuid.uuid4().hex[:6]}",
    ]
    found = {}
    for path in pages:
        await page.goto(hub_url + path)
        if path.startswith(f"/cities/{city}"):
            await page.wait_for_selector("#chart-months[data-chart-ready]", state="attached",
                                         timeout=WAIT_MS)  # fmt: skip
        found[path] = await serious_violations(page)
    assert all(not v for v in found.values()), found
    await context.close()
