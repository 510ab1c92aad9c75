"""A gathering's programme as a page: both days, parallel tracks side by side, Oslo times."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from services.hub.gatherings import service
from services.hub.gatherings.endpoints import SlugPath
from services.hub.gatherings.schemas import SessionPublic
from services.hub.page_shell import both, page
from shared.db import DbSession

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _sessions(items: list[SessionPublic]) -> str:
    rows = []
    for s in items:
        time = f"{s.starts_at:%H.%M}" + (f"&ndash;{s.ends_at:%H.%M}" if s.ends_at else "")
        people = "; ".join(
            escape(p.name) + (f", {escape(p.role)}" if p.role else "") for p in s.speakers
        )
        detail = f"<br><small>{escape(s.description)}</small>" if s.description else ""
        who = f"<br><small>{people}</small>" if people else ""
        rows.append(
            f'<tr><td><time datetime="{s.starts_at.isoformat()}">{time}</time></td>'
            f"<td>{escape(s.title)}{detail}{who}</td></tr>"
        )
    return (
        '<table><thead><tr><th scope="col">Tid / Time</th><th scope="col">Innhold / Session</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


@router.get("/gatherings/{slug}", summary="Page: a gathering's programme (bokmål and English)")
async def gathering_page(slug: SlugPath, session: DbSession) -> HTMLResponse:
    g = await service.present(session, await service.get(session, slug))
    titles = {t.key: t.title for t in g.tracks}
    days = []
    for n, day in enumerate(g.programme, start=1):
        heading = both(
            f"Dag {n} &ndash; {WEEKDAYS[day.day.weekday()]} {day.day:%d.%m.%Y}",
            f"Day {n}, {WEEKDAYS_EN[day.day.weekday()]} {day.day.isoformat()}",
        )
        parts = [f"<h2>{heading}</h2>"]
        if day.plenary:
            parts.append(_sessions(day.plenary))
        if day.tracks:
            parts.append(
                '<p class="note">'
                + both(
                    "Parallelle løp: velg ett ved påmelding.",
                    "Parallel tracks: choose one when registering.",
                )
                + '</p><div class="tracks">'
            )
            for key, items in sorted(day.tracks.items()):
                parts.append(
                    f"<section><h3>{both(f'Løp {escape(key)}', f'Track {escape(key)}')}: {escape(titles.get(key, ''))}</h3>{_sessions(items)}</section>"
                )
            parts.append("</div>")
        days.append("".join(parts))
    deadline = f"{g.registration_deadline:%d.%m.%Y %H.%M}"
    state = (
        both("Påmeldingen er åpen", "Registration is open")
        if g.registration_open
        else both("Påmeldingen er stengt", "Registration is closed")
    )
    places = (
        both(
            f"{g.places_left} av {g.capacity} plasser ledige",
            f"{g.places_left} of {g.capacity} places left",
        )
        if g.capacity is not None
        else both("Ingen plassgrense", "No limit on places")
    )
    body = f"""<header><p class="meta">{both("Arrangement", "Gathering")}</p>
<h1>{escape(g.title)}</h1>
<p class="meta">{escape(g.venue)} · <time datetime="{g.starts_at.isoformat()}">{g.starts_at:%d.%m.%Y}</time>&ndash;<time datetime="{g.ends_at.isoformat()}">{g.ends_at:%d.%m.%Y}</time></p>
<p class="meta">{both("Alle tider i", "All times in")} {escape(g.time_zone)} ({g.starts_at:%Z}).</p>
</header>
<main id="main">
<p>{escape(g.description)}</p>
<p>{state}. {both("Frist", "Deadline")}: <time datetime="{g.registration_deadline.isoformat()}">{deadline} {g.registration_deadline:%Z}</time>. {places}; {both(f"{g.waitlisted} på venteliste", f"{g.waitlisted} on the waitlist")}.</p>
<p>{both("Arrangør", "Organiser")}: {escape(g.organiser)}</p>
<p><a href="../v1/gatherings/{escape(g.slug)}/programme.ics">{both("Legg programmet i kalenderen (.ics)", "Add the programme to your calendar (.ics)")}</a></p>
{"".join(days)}
</main>"""
    return page(f"{g.title} · Klimaby", body)
