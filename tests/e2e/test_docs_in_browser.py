"""The API docs as a municipality's closed network sees them: each service's Swagger UI and
ReDoc, and the docs landing page, in a real headless Chromium that may reach nothing but
loopback. Every request to another host is refused by the page and recorded; the operations
must render all the same, and nothing may have tried to leave the machine."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Route

from services.registry import SERVICE_NAMES
from services.supervisor import System
from tests.browser import WAIT_MS

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


async def offline_context(browser: Browser) -> tuple[BrowserContext, list[str]]:
    """A context whose every request beyond loopback is aborted and recorded."""
    context = await browser.new_context()
    left: list[str] = []

    async def guard(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOOPBACK:
            await route.continue_()
        else:
            left.append(route.request.url)
            await route.abort()

    await context.route("**/*", guard)
    return context, left


async def operations(system: System, name: str) -> tuple[int, int]:
    """How many operations the service documents, and how many times Swagger UI lists them
    (once under each of an operation's tags)."""
    async with httpx.AsyncClient(base_url=system.url(name), timeout=10) as client:
        spec = (await client.get("/openapi.json")).json()
    ops = [
        op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    ]
    return len(ops), sum(max(1, len(op.get("tags", []))) for op in ops)


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_swagger_ui_and_redoc_render_every_operation_offline(
    name: str, system: System, browser: Browser
) -> None:
    expected, listed = await operations(system, name)
    assert expected > 3
    context, left = await offline_context(browser)
    try:
        page = await context.new_page()
        await page.goto(f"{system.url(name)}/docs")
        await page.wait_for_selector(".opblock", timeout=WAIT_MS)
        # Swagger UI draws one block per operation and tag (tags expanded by default).
        blocks = await page.locator(".opblock").count()
        assert blocks == listed, (blocks, listed)

        await page.goto(f"{system.url(name)}/redoc")
        await page.wait_for_selector('[data-section-id^="operation/"]', timeout=WAIT_MS)
        sections = await page.locator('[data-section-id^="operation/"]').count()
        assert sections >= expected, (sections, expected)
    finally:
        await context.close()
    assert not left, f"requests left loopback: {json.dumps(sorted(set(left)))}"


async def test_the_landing_page_links_every_service_of_this_run(
    system: System, browser: Browser
) -> None:
    context, left = await offline_context(browser)
    try:
        page = await context.new_page()
        await page.goto(f"{system.url('hub')}/developers")
        await page.wait_for_selector("main h1", timeout=WAIT_MS)
        links = await page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        for name in SERVICE_NAMES:
            assert f"{system.url(name)}/docs" in links, (name, links)
            assert f"{system.url(name)}/redoc" in links, (name, links)
        assert f"{system.url('hub')}/asyncapi.yaml" in links, links
        asyncapi = await page.evaluate("fetch('/asyncapi.yaml').then(r => r.text())")
        assert asyncapi.startswith("asyncapi:"), asyncapi[:200]
        # The links lead to docs that render, as a reader would click them.
        await page.click(f'a[href="{system.url("inventory")}/docs"]')
        await page.wait_for_selector(".opblock", timeout=WAIT_MS)
    finally:
        await context.close()
    assert not left, f"requests left loopback: {json.dumps(sorted(set(left)))}"
