"""Gatherings: programme, registration with places per gathering and per track, a waitlist
served first come first served, cancellation, and the organiser's participant list."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.gatherings.models import (
    Gathering,
    ProgrammeSession,
    Registration,
    SessionSpeaker,
    Track,
)
from services.hub.gatherings.repository import GatheringRepository
from services.hub.gatherings.schemas import (
    GatheringCreate,
    GatheringPublic,
    GatheringSummary,
    GatheringUpdate,
    Participant,
    ProgrammeDay,
    RegistrationCreate,
    RegistrationPublic,
    SessionPublic,
    SpeakerPublic,
    TrackPublic,
)
from shared.auth import Principal
from shared.localtime import zone
from shared.problems import ProblemError


def _not_found(slug: str) -> ProblemError:
    return ProblemError(
        404, "Not Found", f"no gathering '{slug}'", kind="not-found", field="/path/slug"
    )


def is_organiser(principal: Principal | None, gathering: Gathering) -> bool:
    if principal is None:
        return False
    return principal.is_admin or (
        gathering.organiser_city is not None and principal.can_write(gathering.organiser_city)
    )


def ensure_organiser(principal: Principal | None, gathering: Gathering) -> None:
    if not is_organiser(principal, gathering):
        raise ProblemError(
            403, "Forbidden", "only the organiser (or an admin) may do this", kind="forbidden"
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(session: AsyncSession, principal: Principal, data: GatheringCreate) -> Gathering:
    if not principal.is_admin and not (
        data.organiser_city is not None and principal.can_write(data.organiser_city)
    ):
        raise ProblemError(
            403,
            "Forbidden",
            "an admin, or a token of the organising city, may add a gathering",
            kind="forbidden",
            field="/body/organiser_city",
        )
    if data.ends_at <= data.starts_at:
        raise ProblemError(
            422,
            "Unprocessable Content",
            "must be after starts_at",
            kind="validation",
            field="/body/ends_at",
        )
    keys = [t.key for t in data.tracks]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"track '{key}' given twice",
                kind="validation",
                field=f"/body/tracks/{i}/key",
            )
    for i, item in enumerate(data.sessions):
        if item.track is not None and item.track not in keys:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"no track '{item.track}'",
                kind="validation",
                field=f"/body/sessions/{i}/track",
            )
        if item.ends_at is not None and item.ends_at < item.starts_at:
            raise ProblemError(
                422,
                "Unprocessable Content",
                "must not be before starts_at",
                kind="validation",
                field=f"/body/sessions/{i}/ends_at",
            )
    repo = GatheringRepository(session)
    if await repo.get(data.slug) is not None:
        raise ProblemError(
            409,
            "Conflict",
            f"a gathering '{data.slug}' exists",
            kind="conflict",
            field="/body/slug",
        )
    gathering = Gathering(
        slug=data.slug,
        title=data.title,
        description=data.description,
        venue=data.venue,
        organiser=data.organiser,
        organiser_city=data.organiser_city,
        time_zone=data.time_zone,
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        registration_deadline=data.registration_deadline.astimezone(UTC),
        capacity=data.capacity,
        price_note=data.price_note,
        contact=data.contact,
        created_by=principal.actor,
        updated_at=datetime.now(UTC),
    )
    session.add(gathering)
    await session.flush()
    for position, t in enumerate(data.tracks):
        session.add(
            Track(
                gathering_slug=data.slug,
                key=t.key,
                day=t.day,
                title=t.title,
                description=t.description,
                capacity=t.capacity,
                position=position,
            )
        )
    await session.flush()
    for position, item in enumerate(data.sessions):
        row = ProgrammeSession(
            gathering_slug=data.slug,
            track_key=item.track,
            position=position,
            starts_at=item.starts_at.astimezone(UTC),
            ends_at=item.ends_at.astimezone(UTC) if item.ends_at else None,
            title=item.title,
            description=item.description,
            kind=item.kind,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        for n, speaker in enumerate(item.speakers):
            session.add(
                SessionSpeaker(session_id=row.id, position=n, name=speaker.name, role=speaker.role)
            )
    await session.flush()
    return gathering


async def get(session: AsyncSession, slug: str, *, lock: bool = False) -> Gathering:
    gathering = await GatheringRepository(session).get(slug, lock=lock)
    if gathering is None:
        raise _not_found(slug)
    return gathering


def _local(moment: datetime | None, tz: str) -> datetime | None:
    return moment.astimezone(zone(tz)) if moment is not None else None


def registration_open(gathering: Gathering, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) <= gathering.registration_deadline


def summary(g: Gathering) -> GatheringSummary:
    return GatheringSummary(
        slug=g.slug,
        title=g.title,
        venue=g.venue,
        time_zone=g.time_zone,
        starts_at=_local(g.starts_at, g.time_zone),
        ends_at=_local(g.ends_at, g.time_zone),
        registration_deadline=_local(g.registration_deadline, g.time_zone),
        registration_open=registration_open(g),
    )


async def present(session: AsyncSession, g: Gathering) -> GatheringPublic:
    repo = GatheringRepository(session)
    tracks = await repo.tracks(g.slug)
    sessions = await repo.sessions(g.slug)
    speakers = await repo.speakers([s.id for s in sessions if s.id is not None])
    counts = await repo.counts(g.slug)
    confirmed = sum(n for (s, _), n in counts.items() if s == "confirmed")
    waitlisted = sum(n for (s, _), n in counts.items() if s == "waitlisted")
    tz = g.time_zone
    days: dict[date, ProgrammeDay] = {}
    for s in sessions:
        local = _local(s.starts_at, tz)
        assert local is not None
        day = days.setdefault(local.date(), ProgrammeDay(day=local.date(), plenary=[], tracks={}))
        item = SessionPublic(
            id=s.id or 0,
            track=s.track_key,
            starts_at=local,
            ends_at=_local(s.ends_at, tz),
            title=s.title,
            description=s.description,
            kind=s.kind,
            speakers=[SpeakerPublic(name=p.name, role=p.role) for p in speakers[s.id or 0]],
        )
        if s.track_key is None:
            day.plenary.append(item)
        else:
            day.tracks.setdefault(s.track_key, []).append(item)
    for t in tracks:  # a track without sessions yet still shows on its day
        days.setdefault(t.day, ProgrammeDay(day=t.day, plenary=[], tracks={})).tracks.setdefault(
            t.key, []
        )
    return GatheringPublic(
        slug=g.slug,
        title=g.title,
        description=g.description,
        venue=g.venue,
        organiser=g.organiser,
        organiser_city=g.organiser_city,
        time_zone=tz,
        starts_at=_local(g.starts_at, tz),
        ends_at=_local(g.ends_at, tz),
        registration_deadline=_local(g.registration_deadline, tz),
        registration_open=registration_open(g),
        capacity=g.capacity,
        confirmed=confirmed,
        waitlisted=waitlisted,
        places_left=None if g.capacity is None else max(g.capacity - confirmed, 0),
        price_note=g.price_note,
        contact=g.contact,
        source=g.source,
        tracks=[
            TrackPublic(
                key=t.key,
                day=t.day,
                title=t.title,
                description=t.description,
                capacity=t.capacity,
                confirmed=counts.get(("confirmed", t.key), 0),
                waitlisted=counts.get(("waitlisted", t.key), 0),
            )
            for t in tracks
        ],
        programme=[days[d] for d in sorted(days)],
    )


class Places:
    """Confirmed places per gathering and per track, read once under the gathering's lock."""

    def __init__(
        self, gathering: Gathering, tracks: list[Track], counts: dict[tuple[str, str | None], int]
    ) -> None:
        self.capacity = gathering.capacity
        self.track_capacity = {t.key: t.capacity for t in tracks}
        self.by_track: dict[str | None, int] = defaultdict(int)
        for (status, track), n in counts.items():
            if status == "confirmed":
                self.by_track[track] += n
        self.total = sum(self.by_track.values())

    def fits(self, track: str | None) -> bool:
        if self.capacity is not None and self.total >= self.capacity:
            return False
        limit = self.track_capacity.get(track) if track is not None else None
        return limit is None or self.by_track[track] < limit

    def take(self, track: str | None) -> None:
        self.total += 1
        self.by_track[track] += 1

    def free(self, track: str | None) -> None:
        self.total -= 1
        self.by_track[track] -= 1


async def _places(session: AsyncSession, g: Gathering) -> Places:
    repo = GatheringRepository(session)
    return Places(g, await repo.tracks(g.slug), await repo.counts(g.slug))


async def promote(session: AsyncSession, g: Gathering, places: Places, now: datetime) -> int:
    """Give freed places to the waitlist in order of arrival; a waiting person whose track is
    still full keeps their turn while the next one whose track has room moves up."""
    promoted = 0
    for waiting in await GatheringRepository(session).waitlist(g.slug):
        if places.capacity is not None and places.total >= places.capacity:
            break
        if places.fits(waiting.track_key):
            waiting.status = "confirmed"
            waiting.promoted_at = now
            session.add(waiting)
            places.take(waiting.track_key)
            promoted += 1
    await session.flush()
    return promoted


async def register(
    session: AsyncSession, slug: str, data: RegistrationCreate
) -> tuple[Registration, str]:
    """Confirmed if a place is free in the gathering and the track, else on the waitlist.
    The whole decision runs under the gathering's lock, in the request's one transaction."""
    now = datetime.now(UTC)
    g = await get(session, slug, lock=True)
    if not registration_open(g, now):
        raise ProblemError(
            409,
            "Conflict",
            f"registration closed at {_local(g.registration_deadline, g.time_zone):%Y-%m-%d %H:%M %Z}",
            kind="registration-closed",
        )
    places = await _places(session, g)
    if places.track_capacity and data.track is None:
        raise ProblemError(
            422,
            "Unprocessable Content",
            "choose one of the tracks: " + ", ".join(places.track_capacity),
            kind="validation",
            field="/body/track",
        )
    if data.track is not None and data.track not in places.track_capacity:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"no track '{data.track}'",
            kind="validation",
            field="/body/track",
        )
    repo = GatheringRepository(session)
    if await repo.active_by_email(slug, data.email) is not None:
        raise ProblemError(
            409,
            "Conflict",
            "this e-mail address is already registered",
            kind="already-registered",
            field="/body/email",
        )
    # Nobody may jump the queue: places already free go to the waitlist first (normally there
    # are none: every cancellation promotes at once).
    await promote(session, g, places, now)
    status = "confirmed" if places.fits(data.track) else "waitlisted"
    token = secrets.token_urlsafe(24)
    registration = Registration(
        gathering_slug=slug,
        track_key=data.track,
        name=data.name,
        email=data.email,
        organisation=data.organisation,
        status=status,
        token_hash=hash_token(token),
        registered_at=now,
    )
    session.add(registration)
    await session.flush()
    return registration, token


async def authorised_registration(
    session: AsyncSession,
    slug: str,
    registration_id: uuid.UUID,
    token: str | None,
    principal: Principal | None,
    *,
    lock: bool = False,
) -> tuple[Gathering, Registration]:
    g = await get(session, slug, lock=lock)
    registration = await GatheringRepository(session).registration(slug, registration_id)
    if registration is None:
        raise ProblemError(
            404,
            "Not Found",
            "no such registration",
            kind="not-found",
            field="/path/registration_id",
        )
    if is_organiser(principal, g):
        return g, registration
    if token is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "send the registration's token as X-Registration-Token (or an organiser's bearer token)",
            kind="unauthorized",
            field="/header/X-Registration-Token",
        )
    if not hmac.compare_digest(hash_token(token), registration.token_hash):
        raise ProblemError(
            403,
            "Forbidden",
            "this token is not the registration's",
            kind="forbidden",
            field="/header/X-Registration-Token",
        )
    return g, registration


async def cancel(
    session: AsyncSession,
    slug: str,
    registration_id: uuid.UUID,
    token: str | None,
    principal: Principal | None,
) -> tuple[Registration, int]:
    """Cancel, and in the same transaction give the freed place to the first who fits."""
    g, registration = await authorised_registration(
        session, slug, registration_id, token, principal, lock=True
    )
    if registration.status == "cancelled":
        return registration, 0
    now = datetime.now(UTC)
    places = await _places(session, g)
    if registration.status == "confirmed":
        places.free(registration.track_key)
    registration.status = "cancelled"
    registration.cancelled_at = now
    session.add(registration)
    await session.flush()
    return registration, await promote(session, g, places, now)


async def update(
    session: AsyncSession, principal: Principal, slug: str, data: GatheringUpdate
) -> Gathering:
    g = await get(session, slug, lock=True)
    ensure_organiser(principal, g)
    fields = data.model_fields_set
    if "capacity" in fields:
        g.capacity = data.capacity
    if data.registration_deadline is not None:
        g.registration_deadline = data.registration_deadline.astimezone(UTC)
    tracks = {t.key: t for t in await GatheringRepository(session).tracks(slug)}
    for key, capacity in data.track_capacities.items():
        if key not in tracks:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"no track '{key}'",
                kind="validation",
                field=f"/body/track_capacities/{key}",
            )
        tracks[key].capacity = capacity
        session.add(tracks[key])
    now = datetime.now(UTC)
    g.updated_at = now
    session.add(g)
    await session.flush()
    await promote(session, g, await _places(session, g), now)
    return g


async def registration_public(
    session: AsyncSession, g: Gathering, r: Registration
) -> RegistrationPublic:
    return RegistrationPublic(**await _registration_fields(session, g, r))


async def participant(session: AsyncSession, g: Gathering, r: Registration) -> Participant:
    return Participant(**await _registration_fields(session, g, r), email=r.email)


async def _registration_fields(
    session: AsyncSession, g: Gathering, r: Registration
) -> dict[str, object]:
    tz = g.time_zone
    return {
        "id": r.public_id,
        "gathering": g.slug,
        "name": r.name,
        "organisation": r.organisation,
        "track": r.track_key,
        "status": r.status,
        "waitlist_position": await GatheringRepository(session).waitlist_position(r),
        "registered_at": _local(r.registered_at, tz),
        "promoted_at": _local(r.promoted_at, tz),
        "cancelled_at": _local(r.cancelled_at, tz),
    }
