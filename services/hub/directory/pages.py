"""The directory as a page: search and filter without JavaScript (a GET form)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from services.hub.directory import service
from services.hub.directory.repository import DirectoryRepository
from services.hub.directory.schemas import ACTOR_LABELS, REACH_LABELS, Actor, Reach
from services.hub.page_shell import both, page
from shared.db import DbSession
from shared.text import StoredText

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)


def _options(labels: dict[str, tuple[str, str]], chosen: str | None) -> str:
    items = ['<option value="">Alle / All</option>']
    for value, (nb, en) in labels.items():
        selected = " selected" if value == chosen else ""
        items.append(f'<option value="{value}"{selected}>{escape(nb)} / {escape(en)}</option>')
    return "".join(items)


def _fee(fee: bool | None) -> str:
    return {True: "Ja / Yes", False: "Nei / No", None: "Ukjent / Not stated"}[fee]


@router.get("/directory", summary="Page: the network directory (bokmål and English)")
async def directory_page(
    session: DbSession,
    q: StoredText | None = Query(None, max_length=200),
    reach: Reach | None = Query(None),
    actor: Actor | None = Query(None),
) -> HTMLResponse:
    entries = await DirectoryRepository(session).search(
        text=q,
        kind=None,
        reach=[reach] if reach else [],
        actor=[actor] if actor else [],
        fee=None,
        city=None,
    )
    rows = []
    for e in await service.present(session, entries):
        name = escape(e.name)
        if e.website:
            name = f'<a href="{escape(e.website)}" rel="noopener">{name}</a>'
        kind = (
            both("Misjonsby", "Mission city")
            if e.kind == "mission_city"
            else both("Nettverk", "Network")
        )
        reaches = ", ".join(escape(REACH_LABELS[r][0]) for r in e.reach)
        actors = ", ".join(escape(ACTOR_LABELS[a][0]) for a in e.actors)
        members = ", ".join(escape(m.partner_name or m.city) for m in e.members) or "&ndash;"
        fee = _fee(e.membership_fee) + (
            f"<br><small>{escape(e.fee_note)}</small>" if e.fee_note else ""
        )
        rows.append(
            f'<tr><th scope="row">{name}<br><small>{kind}</small></th>'
            f"<td>{escape(e.description)}</td><td>{reaches}<br><small>{escape(e.reach_text)}</small></td>"
            f"<td>{fee}</td><td>{actors}</td><td>{escape(e.organisation)}</td><td>{members}</td></tr>"
        )
    table = (
        "<table><caption>" + both(f"{len(rows)} treff", f"{len(rows)} results") + "</caption>"
        '<thead><tr><th scope="col">Navn / Name</th><th scope="col">Beskrivelse / Description</th>'
        '<th scope="col">Nedslagsfelt / Reach</th><th scope="col">Deltakeravgift / Fee</th>'
        '<th scope="col">Aktører / Actors</th><th scope="col">Organisering / Organisation</th>'
        '<th scope="col">Medlemmer her / Members here</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        if rows
        else '<p class="note">' + both("Ingen treff.", "No results.") + "</p>"
    )
    body = f"""<header><p class="meta">Klimaby</p>
<h1>{both("Nettverkskatalog", "Network directory")}</h1>
<p class="meta">{both("Nettverkene i Agenda Kaupangs kartlegging (2022, vedlegg A), Klimasats-nettverk og misjonsbyene.", "The networks of Agenda Kaupang's survey (2022, appendix A), Klimasats networks and the mission cities.")}</p>
</header>
<main id="main">
<form method="get" action="directory" role="search">
<label for="q">Søk / Search<input id="q" name="q" type="search" value="{escape(q or "")}" maxlength="200"></label>
<label for="reach">Nedslagsfelt / Reach<select id="reach" name="reach">{_options(REACH_LABELS, reach)}</select></label>
<label for="actor">Aktører / Actors<select id="actor" name="actor">{_options(ACTOR_LABELS, actor)}</select></label>
<button type="submit">Søk / Search</button>
</form>
{table}
</main>"""
    return page("Nettverkskatalog / Network directory · Klimaby", body)
