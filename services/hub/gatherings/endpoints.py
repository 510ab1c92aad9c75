"""REST: gatherings, their programme and iCalendar feeds (public), registration (open to
anyone, with a token to cancel), the participant list (organiser only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from services.hub.gatherings import ical, service
from services.hub.gatherings.repository import GatheringRepository
from services.hub.gatherings.schemas import (
    Cancellation,
    GatheringCreate,
    GatheringPublic,
    GatheringSummary,
    GatheringUpdate,
    Participant,
    RegistrationCreate,
    RegistrationPublic,
    RegistrationReceipt,
    RegistrationStatus,
)
from shared.auth import Principal, optional_principal, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/gatherings", tags=["gatherings"])

SlugPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$", description="The gathering's slug")
]
RegistrationToken = Annotated[
    str | None,
    Header(
        alias="X-Registration-Token", max_length=200, description="The token shown at registration"
    ),
]
ICS = "text/calendar; charset=utf-8"
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar (RFC 5545) feed"}
}


@router.get("", summary="Gatherings, soonest first")
async def list_gatherings(session: DbSession) -> list[GatheringSummary]:
    return [service.summary(g) for g in await GatheringRepository(session).all()]


@router.get(
    "/calendar.ics",
    summary="Every gathering as an iCalendar feed",
    response_class=Response,
    responses=ICS_RESPONSE,
)
async def gatherings_calendar(session: DbSession) -> Response:
    body = ical.gatherings_feed(await GatheringRepository(session).all())
    return Response(
        body, media_type=ICS, headers={"Content-Disposition": 'inline; filename="klimaby.ics"'}
    )


@router.post(
    "",
    status_code=201,
    summary="Add a gathering with its programme (admin, or the organising city)",
)
async def create_gathering(
    data: GatheringCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> GatheringPublic:
    gathering = await service.create(session, principal, data)
    response.headers["Location"] = str(request.url_for("get_gathering", slug=gathering.slug))
    return await service.present(session, gathering)


@router.get("/{slug}", summary="A gathering with its programme by day and track, and its places")
async def get_gathering(slug: SlugPath, session: DbSession) -> GatheringPublic:
    return await service.present(session, await service.get(session, slug))


@router.patch(
    "/{slug}", summary="Change places or the deadline (organiser); new places go to the waitlist"
)
async def update_gathering(
    slug: SlugPath,
    data: GatheringUpdate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> GatheringPublic:
    return await service.present(session, await service.update(session, principal, slug, data))


@router.get(
    "/{slug}/programme.ics",
    summary="A gathering's programme as an iCalendar feed (one event per session)",
    response_class=Response,
    responses=ICS_RESPONSE,
)
async def programme_calendar(slug: SlugPath, session: DbSession) -> Response:
    g = await service.get(session, slug)
    repo = GatheringRepository(session)
    sessions = await repo.sessions(slug)
    body = ical.programme_feed(
        g, await repo.tracks(slug), sessions, await repo.speakers([s.id for s in sessions if s.id])
    )
    return Response(
        body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{slug}.ics"'}
    )


@router.post(
    "/{slug}/registrations",
    status_code=201,
    summary="Register: a place if one is free, else the waitlist (the answer says which)",
)
async def register(
    slug: SlugPath,
    data: RegistrationCreate,
    request: Request,
    response: Response,
    session: DbSession,
) -> RegistrationReceipt:
    registration, token = await service.register(session, slug, data)
    g = await service.get(session, slug)
    response.headers["Location"] = str(
        request.url_for("get_registration", slug=slug, registration_id=registration.public_id)
    )
    public = await service.registration_public(session, g, registration)
    return RegistrationReceipt(**public.model_dump(), cancellation_token=token)


@router.get("/{slug}/registrations", summary="Participants and the waitlist (organiser only)")
async def participants(
    slug: SlugPath,
    session: DbSession,
    status: RegistrationStatus | None = Query(None),
    principal: Principal = Depends(require_principal),
) -> list[Participant]:
    g = await service.get(session, slug)
    service.ensure_organiser(principal, g)
    rows = await GatheringRepository(session).participants(slug, status)
    return [await service.participant(session, g, r) for r in rows]


@router.get(
    "/{slug}/registrations/{registration_id}",
    summary="One registration (its token, or the organiser)",
)
async def get_registration(
    slug: SlugPath,
    registration_id: uuid.UUID,
    session: DbSession,
    token: RegistrationToken = None,
    principal: Principal | None = Depends(optional_principal),
) -> RegistrationPublic:
    g, registration = await service.authorised_registration(
        session, slug, registration_id, token, principal
    )
    return await service.registration_public(session, g, registration)


@router.delete(
    "/{slug}/registrations/{registration_id}",
    summary="Cancel a registration; the freed place goes to the first on the waitlist who fits",
)
async def cancel_registration(
    slug: SlugPath,
    registration_id: uuid.UUID,
    session: DbSession,
    token: RegistrationToken = None,
    principal: Principal | None = Depends(optional_principal),
) -> Cancellation:
    registration, promoted = await service.cancel(session, slug, registration_id, token, principal)
    g = await service.get(session, slug)
    return Cancellation(
        registration=await service.registration_public(session, g, registration), promoted=promoted
    )
