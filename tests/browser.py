"""Debian's chromium for the browser tests, driven by Playwright: never a downloaded browser
build. These tests must run, never skip: a missing browser is installed with apt-get (CI runs as
root) and a failure to get one fails the test."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Bounded waits for the page's own signals (not timing assertions); generous because the CI
# machine's two cores run the whole suite beside the browser.
WAIT_MS = 180_000


def ensure_chromium() -> str:
    if not Path(CHROMIUM).exists():
        apt = shutil.which("apt-get")
        assert apt, f"{CHROMIUM} is missing and apt-get is not available to install it"
        # A fresh machine may have no package lists yet: update them first.
        subprocess.run([apt, "update", "-qq"], check=True, capture_output=True)
        subprocess.run([apt, "install", "-y", "-qq", "chromium"], check=True, capture_output=True)
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is still missing after apt-get install"
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = ensure_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()
