"""HTML pages of the public dashboard (Jinja2): the national comparison and one city's
progress in context, in bokmål or English, with charts and a table beside each.

The figures are in the HTML (readable without JavaScript). With JavaScript the vendored
Chart.js draws the charts from the same figures, and the page listens to ``/v1/stream`` for
its city: each event makes it fetch ``/v1/cities/{city}/progress`` and update in place.
A city the hub has not heard of is a 404 page that does not reload itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.hub.progress import views
from services.hub.progress.endpoints import CityPath
from services.hub.progress.i18n import Words, choose
from services.hub.progress.repository import CityProgressRepository
from services.hub.progress.service import SECTORS
from shared.db import DbSession
from shared.events.catalogue import CONTRACTS_EVENTS, INVENTORY_EVENTS, TOPICS

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def scriptsafe(text: str) -> Markup:
    """JSON inside <script type="application/json">: no "</script>" or markup can end it."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


TEMPLATES.filters["scriptsafe"] = scriptsafe


def words_for_script(words: Words) -> str:
    """What dashboard.js needs to label its charts in the page's language."""
    keys = (
        "measured",
        "cumulative",
        "ceiling_cumulative",
        "trajectory",
        "count",
        "per_capita",
        "estimate",
    )
    return json.dumps(
        {
            "lang": words.lang,
            "labels": {key: words(key) for key in keys},
            "live_status": words("live_status"),
            "offline": words("offline"),
            "sectors": {s: words.sector(s) for s in SECTORS},
            "event_types": sorted(
                spec.event_type
                for topic in TOPICS
                if topic.name in (INVENTORY_EVENTS, CONTRACTS_EVENTS)
                for spec in topic.events
            ),
            "months": [words.month(m) for m in range(1, 13)],
            "statuses": {
                s: words.status(s)
                for s in ("on_track", "at_risk", "off_track", "no_data", "on_course", "behind")
            },
        },
        ensure_ascii=False,
    )


def _render(
    request: Request, template: str, *, status: int = 200, root: str = "", **context: Any
) -> HTMLResponse:
    words = Words(choose(request))
    html = TEMPLATES.get_template(template).render(
        t=words, lang=words.lang, root=root, words_json=words_for_script(words), **context
    )
    csp = (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": csp,
            "Content-Language": words.lang,
            "Vary": "Accept-Language",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/", summary="Dashboard: every city compared on the same basis")
async def national_page(request: Request, session: DbSession) -> HTMLResponse:
    national = await views.national(session)
    chart = [
        {"label": c.name or c.city, "value": str(c.per_capita_tco2e)}
        for c in national.cities
        if c.per_capita_tco2e is not None
    ]
    return _render(
        request,
        "national.html",
        national=national,
        chart=chart,
        chart_json=json.dumps(chart),
        root="",
    )


@router.get("/cities/{city}", summary="Dashboard: one city's progress in context")
async def city_page(city: CityPath, request: Request, session: DbSession) -> HTMLResponse:
    if await CityProgressRepository(session).get(city) is None:
        # Not an error to wait for: the page says so and does not reload itself.
        return _render(request, "not_found.html", status=404, city=city, root="../")
    context = await views.city_context(session, city)
    path = {p.year: p.tco2e for p in context.trajectory}
    by_year = {inv.year: inv for inv in context.inventories}
    # One row per year the chart draws: a trajectory year without an inventory (this year's
    # budget ceiling, the target's path ahead) is read in the table too, not only on the canvas.
    years = [(year, by_year.get(year)) for year in sorted(by_year.keys() | path.keys())]
    return _render(
        request,
        "city.html",
        c=context,
        path=path,
        years=years,
        context_json=context.model_dump_json(),
        root="../",
    )
