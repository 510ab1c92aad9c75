"""HTML pages of the public dashboard: every city, and one city's live figures.

Self-contained (inline CSS and script, no external assets, a nonce-based CSP). The city page
polls ``/v1/cities/{city}`` every few seconds; without JavaScript it reloads itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from services.hub.progress.endpoints import CityPath
from services.hub.progress.models import CityProgress
from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.schemas import tonnes, tonnes_rounded
from shared.db import DbSession

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)

LOCAL_TIME = ZoneInfo("Europe/Oslo")
POLL_MS = 2500
NOSCRIPT_REFRESH_S = 5

STYLE = """
:root { color-scheme: light dark; --fg: #1b1f1d; --muted: #4d5652; --bg: #fbfcfb;
  --card: #ffffff; --line: #d5dcd8; --accent: #0b6e4f; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e9efec; --muted: #b3beb9; --bg: #111513; --card: #1a201d; --line: #33403a;
    --accent: #6fd3a8; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
.wrap { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--card); padding: .5rem; }
h1 { font-size: 2rem; margin: .25rem 0; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; color: var(--muted); font-weight: 600; }
.meta, .note { color: var(--muted); margin: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .75rem;
  padding: 1.25rem; margin-top: 1rem; }
.figure { font-size: clamp(2.5rem, 9vw, 4.5rem); font-weight: 700; margin: 0;
  font-variant-numeric: tabular-nums; color: var(--accent); line-height: 1.1; }
.unit { font-size: 1.25rem; font-weight: 600; color: var(--muted); }
dl.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
  gap: 1rem; margin: 0; }
dl.figures div { border-left: 3px solid var(--accent); padding-left: .75rem; }
dt { color: var(--muted); font-size: .9rem; }
dd { margin: 0; font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; margin-top: 1rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { padding: .6rem .5rem; border-bottom: 1px solid var(--line); text-align: right;
  font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
"""

# Reads the API URL from the page (no data is spliced into the script itself).
SCRIPT = """
(() => {
  const root = document.getElementById("city");
  const api = root.dataset.api;
  const fine = new Intl.NumberFormat("en-GB", {minimumFractionDigits: 4, maximumFractionDigits: 4});
  const coarse = new Intl.NumberFormat("en-GB", {minimumFractionDigits: 1, maximumFractionDigits: 1});
  const tonnes = {format: (t) => (t < 1000 ? fine : coarse).format(t)};
  const count = new Intl.NumberFormat("en-GB");
  const when = new Intl.DateTimeFormat("en-GB", {day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Europe/Oslo"});
  const show = (id, text) => {
    const el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  };
  async function refresh() {
    try {
      const response = await fetch(api, {headers: {Accept: "application/json"}, cache: "no-store"});
      if (!response.ok) throw new Error(String(response.status));
      const c = await response.json();
      const live = document.getElementById("live-tco2e");
      live.dataset.co2eMg = String(c.co2e_mg);
      live.value = String(c.live_tco2e);
      show("live-tco2e", tonnes.format(c.live_tco2e));
      show("readings-accounted", count.format(c.readings_accounted));
      show("partners", count.format(c.partners));
      show("mous-drafted", count.format(c.mous_drafted));
      show("mous-signed", count.format(c.mous_signed));
      const last = document.getElementById("last-accounted-at");
      if (c.last_accounted_at) {
        last.dateTime = c.last_accounted_at;
        show("last-accounted-at", when.format(new Date(c.last_accounted_at)));
      }
      show("refresh-status", "Figures update every few seconds.");
    } catch (_) {
      show("refresh-status", "The hub cannot be reached right now; retrying.");
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }
  setTimeout(refresh, POLL_MS);
})();
""".replace("POLL_MS", str(POLL_MS))


def _count(n: int) -> str:
    return f"{n:,}"


def _places(co2e_mg: int) -> int:
    # A live figure must visibly move: kilograms show while a city's total is small.
    return 4 if co2e_mg < 1_000 * 10**9 else 1


def _tonnes(co2e_mg: int) -> str:
    places = _places(co2e_mg)
    return f"{tonnes_rounded(co2e_mg, places):,.{places}f}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "not yet"
    local = moment.astimezone(LOCAL_TIME)
    return f"{local.day} {local:%b %Y, %H:%M:%S}"


def _page(
    title: str, body: str, *, status: int = 200, head: str = "", script: str = ""
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    script_tag = f'<script nonce="{nonce}">{script}</script>' if script else ""
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{head}
<style nonce="{nonce}">{STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div class="wrap">
{body}
<footer>Klimaby knowledge hub · figures projected from the cities' published events.</footer>
</div>
{script_tag}
</body>
</html>
"""
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": csp,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _display_name(row: CityProgress) -> str:
    return row.name or row.city


def _city_rows(rows: Sequence[CityProgress]) -> str:
    return "\n".join(
        f"""<tr>
<th scope="row"><a href="cities/{escape(row.city)}">{escape(_display_name(row))}</a></th>
<td data-co2e-mg="{row.co2e_mg}">{_tonnes(row.co2e_mg)}</td>
<td>{_count(row.readings_accounted)}</td>
<td>{_count(row.partners)}</td>
<td>{_count(row.mous_signed)} / {_count(row.mous_drafted)}</td>
<td><time datetime="{row.last_accounted_at.isoformat() if row.last_accounted_at else ""}">{_when(row.last_accounted_at)}</time></td>
</tr>"""
        for row in rows
    )


@router.get("/", summary="Dashboard: every city's progress")
async def cities_page(session: DbSession) -> HTMLResponse:
    rows = await CityProgressRepository(session).list()
    if rows:
        content = f"""<table>
<caption>Emissions accounted live from sensor readings, and partnerships signed.</caption>
<thead><tr><th scope="col">City</th><th scope="col">Live t CO<sub>2</sub>e</th>
<th scope="col">Readings accounted</th><th scope="col">Partners</th>
<th scope="col">MoUs signed / drafted</th><th scope="col">Last accounted (Oslo time)</th></tr></thead>
<tbody>
{_city_rows(rows)}
</tbody>
</table>"""
    else:
        content = (
            '<p class="note">No city has been heard of yet. Cities appear here as soon as '
            "their first event arrives.</p>"
        )
    body = f"""<header>
<p class="meta">Klimaby knowledge hub</p>
<h1>Climate-neutral cities</h1>
</header>
<main id="main">
{content}
</main>"""
    return _page("Climate-neutral cities · Klimaby hub", body)


@router.get("/cities/{city}", summary="Dashboard: one city's live figures")
async def city_page(city: CityPath, session: DbSession) -> HTMLResponse:
    row = await CityProgressRepository(session).get(city)
    if row is None:
        # Events may still be on their way (e.g. right after start-up): look again shortly.
        body = f"""<header><p class="meta"><a href="../">All cities</a></p>
<h1>{escape(city)}</h1></header>
<main id="main"><p>The hub has not received any event about this city yet.
This page reloads itself every {NOSCRIPT_REFRESH_S} seconds.</p></main>"""
        head = f'<meta http-equiv="refresh" content="{NOSCRIPT_REFRESH_S}">'
        return _page(f"{city} · Klimaby hub", body, status=404, head=head)

    details = [f"Bidding zone {escape(row.bidding_zone)}"] if row.bidding_zone else []
    if row.mission_city:
        details.append("EU mission city")
    if row.name is None:
        details.append("registration not received yet")
    last = row.last_accounted_at
    exact = tonnes(row.co2e_mg)
    body = f"""<header>
<p class="meta"><a href="../">All cities</a></p>
<h1>{escape(_display_name(row))}</h1>
<p class="meta">{" · ".join(details)}</p>
</header>
<main id="main">
<div id="city" data-api="../v1/cities/{escape(row.city)}">
<section class="card" aria-labelledby="live-heading">
<h2 id="live-heading">Emissions accounted live</h2>
<p class="figure"><data id="live-tco2e" value="{exact}" data-co2e-mg="{row.co2e_mg}">{_tonnes(row.co2e_mg)}</data>
<span class="unit">t CO<sub>2</sub>e</span></p>
<p class="note">Converted from energy and traffic sensor readings as they arrive.</p>
</section>
<section class="card" aria-labelledby="figures-heading">
<h2 id="figures-heading">Readings and partnerships</h2>
<dl class="figures">
<div><dt>Readings accounted</dt><dd id="readings-accounted">{_count(row.readings_accounted)}</dd></div>
<div><dt>Last accounted (Oslo time)</dt><dd><time id="last-accounted-at" datetime="{last.isoformat() if last else ""}">{_when(last)}</time></dd></div>
<div><dt>Partners</dt><dd id="partners">{_count(row.partners)}</dd></div>
<div><dt>MoUs drafted</dt><dd id="mous-drafted">{_count(row.mous_drafted)}</dd></div>
<div><dt>MoUs signed</dt><dd id="mous-signed">{_count(row.mous_signed)}</dd></div>
</dl>
</section>
<p class="note" id="refresh-status">Figures update every few seconds.</p>
</div>
</main>"""
    head = f'<noscript><meta http-equiv="refresh" content="{NOSCRIPT_REFRESH_S}"></noscript>'
    return _page(f"{_display_name(row)} · Klimaby hub", body, head=head, script=SCRIPT)
