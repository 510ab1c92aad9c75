"""The directory and programme pages: server-rendered, bokmål with English, no script."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI


async def test_the_directory_and_programme_pages_render_in_bokmal_and_english(
    hub: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hub
    r = await client.get("/directory", params={"q": "KS", "reach": "national"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="nb">' in html and "Nettverkskatalog" in html and "Network directory" in html
    assert "Storbynettverket KS" in html and "Eurocities" not in html
    assert "<script" not in html and not re.search(r'(src|href)="//', html)
    assert "default-src 'none'" in r.headers["content-security-policy"]

    r = await client.get("/gatherings/klimasamling-troms-finnmark-2020")
    assert r.status_code == 200
    html = r.text
    assert "Dag 1 &ndash; onsdag 18.11.2020" in html and "Day 2, Thursday 2020-11-19" in html
    assert "Løp A" in html and "Track B" in html and "Vær smart-kurs" in html
    assert '<time datetime="2020-11-18T08:30:00+01:00">08.30&ndash;08.40</time>' in html
    assert "Europe/Oslo (CET)" in html and "Påmeldingen er stengt" in html
    assert (await client.get("/gatherings/nope")).status_code == 404
