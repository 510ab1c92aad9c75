"""The forum's founding members (seed 003: the three mission cities and the state, KDD having
confirmed the forum, in close cooperation with KLD); idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from services.hub.forum.models import ForumMember
from services.hub.forum.repository import ForumRepository
from shared.db import Database

FOUNDING_MEMBERS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("Oslo kommune", "city", "oslo", None),
    ("Trondheim kommune", "city", "trondheim", None),
    ("Stavanger kommune", "city", "stavanger", None),
    ("Kommunal- og distriktsdepartementet (KDD)", "state", None, "kdd"),
    ("Klima- og miljødepartementet (KLD)", "state", None, "kld"),
)


async def seed_forum(db: Database) -> None:
    async with db.transaction() as session:
        repo = ForumRepository(session)
        for organisation, kind, city, subject in FOUNDING_MEMBERS:
            known = await (
                repo.member_by_city(city) if city else repo.member_by_subject(subject or "")
            )
            if known is None:
                session.add(
                    ForumMember(
                        organisation=organisation,
                        kind=kind,
                        city=city,
                        subject=subject,
                        joined_at=datetime.now(UTC),
                    )
                )
        await session.flush()
