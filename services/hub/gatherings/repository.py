"""Reads and writes of gatherings, their programme and registrations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.hub.gatherings.models import (
    Gathering,
    ProgrammeSession,
    Registration,
    SessionSpeaker,
    Track,
)


class GatheringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, slug: str, *, lock: bool = False) -> Gathering | None:
        query = select(Gathering).where(col(Gathering.slug) == slug)
        if lock:
            # PostgreSQL: registrations and cancellations of one gathering queue on this row,
            # so places are counted and handed out one transaction at a time. (SQLite takes
            # its single write lock at BEGIN IMMEDIATE already.)
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def all(self) -> Sequence[Gathering]:
        query = select(Gathering).order_by(col(Gathering.starts_at), col(Gathering.slug))
        return (await self.session.execute(query)).scalars().all()

    async def tracks(self, slug: str) -> list[Track]:
        query = (
            select(Track)
            .where(col(Track.gathering_slug) == slug)
            .order_by(col(Track.position), col(Track.key))
        )
        return list((await self.session.execute(query)).scalars())

    async def sessions(self, slug: str) -> list[ProgrammeSession]:
        query = (
            select(ProgrammeSession)
            .where(col(ProgrammeSession.gathering_slug) == slug)
            .order_by(col(ProgrammeSession.starts_at), col(ProgrammeSession.position))
        )
        return list((await self.session.execute(query)).scalars())

    async def speakers(self, session_ids: Sequence[int]) -> dict[int, list[SessionSpeaker]]:
        out: dict[int, list[SessionSpeaker]] = defaultdict(list)
        if not session_ids:
            return out
        query = (
            select(SessionSpeaker)
            .where(col(SessionSpeaker.session_id).in_(session_ids))
            .order_by(col(SessionSpeaker.session_id), col(SessionSpeaker.position))
        )
        for row in (await self.session.execute(query)).scalars():
            out[row.session_id].append(row)
        return out

    async def counts(self, slug: str) -> dict[tuple[str, str | None], int]:
        """(status, track) → registrations, for confirmed and waitlisted."""
        query = (
            select(col(Registration.status), col(Registration.track_key), func.count())
            .where(
                col(Registration.gathering_slug) == slug,
                col(Registration.status).in_(["confirmed", "waitlisted"]),
            )
            .group_by(col(Registration.status), col(Registration.track_key))
        )
        return {(s, t): n for s, t, n in (await self.session.execute(query)).all()}

    async def registration(self, slug: str, public_id: uuid.UUID) -> Registration | None:
        query = select(Registration).where(
            col(Registration.gathering_slug) == slug, col(Registration.public_id) == public_id
        )
        return (await self.session.execute(query)).scalars().first()

    async def active_by_email(self, slug: str, email: str) -> Registration | None:
        query = select(Registration).where(
            col(Registration.gathering_slug) == slug,
            func.lower(col(Registration.email)) == email.lower(),
            col(Registration.status).in_(["confirmed", "waitlisted"]),
        )
        return (await self.session.execute(query)).scalars().first()

    async def waitlist(self, slug: str) -> list[Registration]:
        query = (
            select(Registration)
            .where(
                col(Registration.gathering_slug) == slug, col(Registration.status) == "waitlisted"
            )
            .order_by(col(Registration.sequence))
        )
        return list((await self.session.execute(query)).scalars())

    async def waitlist_position(self, registration: Registration) -> int | None:
        if registration.status != "waitlisted":
            return None
        query = select(func.count()).where(
            col(Registration.gathering_slug) == registration.gathering_slug,
            col(Registration.status) == "waitlisted",
            col(Registration.sequence) <= registration.sequence,
        )
        return int((await self.session.execute(query)).scalar_one())

    async def participants(self, slug: str, status: str | None) -> list[Registration]:
        query = select(Registration).where(col(Registration.gathering_slug) == slug)
        if status:
            query = query.where(col(Registration.status) == status)
        return list(
            (await self.session.execute(query.order_by(col(Registration.sequence)))).scalars()
        )
