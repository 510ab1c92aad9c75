"""iCalendar (RFC 5545) feeds, written with the ``icalendar`` library: every gathering as one
VEVENT, and a gathering's programme with one VEVENT per session, times with their TZID and the
zone's VTIMEZONE, so calendar apps show Oslo time whatever their own zone."""

from __future__ import annotations

from collections.abc import Sequence

from icalendar import Calendar, Event

from services.hub.gatherings.models import Gathering, ProgrammeSession, SessionSpeaker, Track
from shared.localtime import zone

PRODID = "-//Klimaby//Nasjonalt knutepunkt//NB"
UID_DOMAIN = "klimaby.no"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def gatherings_feed(gatherings: Sequence[Gathering]) -> bytes:
    cal = _calendar("Klimaby: arrangementer / gatherings")
    for g in gatherings:
        tz = zone(g.time_zone)
        event = Event()
        event.add("uid", f"gathering-{g.slug}@{UID_DOMAIN}")
        event.add("dtstamp", g.updated_at)
        event.add("dtstart", g.starts_at.astimezone(tz))
        event.add("dtend", g.ends_at.astimezone(tz))
        event.add("summary", g.title)
        event.add("location", g.venue)
        event.add("description", g.description)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def programme_feed(
    g: Gathering,
    tracks: Sequence[Track],
    sessions: Sequence[ProgrammeSession],
    speakers: dict[int, list[SessionSpeaker]],
) -> bytes:
    tz = zone(g.time_zone)
    titles = {t.key: t.title for t in tracks}
    cal = _calendar(g.title)
    for s in sessions:
        event = Event()
        event.add("uid", f"gathering-{g.slug}-session-{s.id}@{UID_DOMAIN}")
        event.add("dtstamp", g.updated_at)
        event.add("dtstart", s.starts_at.astimezone(tz))
        if s.ends_at is not None:
            event.add("dtend", s.ends_at.astimezone(tz))
        event.add("summary", s.title)
        event.add("location", g.venue)
        lines = [s.description] if s.description else []
        people = speakers.get(s.id or 0, [])
        if people:
            lines.append(
                "Innledere / speakers: "
                + "; ".join(p.name + (f" ({p.role})" if p.role else "") for p in people)
            )
        if s.track_key is not None:
            lines.append(f"Løp / track {s.track_key}: {titles.get(s.track_key, '')}")
            event.add("categories", [f"Løp {s.track_key}"])
        if lines:
            event.add("description", "\n".join(lines))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
