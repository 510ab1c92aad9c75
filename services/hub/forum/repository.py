"""Reads and writes of forum members, threads and replies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.hub.forum.models import ForumMember, ForumReply, ForumThread


class ForumRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def members(self) -> Sequence[ForumMember]:
        query = select(ForumMember).order_by(col(ForumMember.kind), col(ForumMember.organisation))
        return (await self.session.execute(query)).scalars().all()

    async def member_by_city(self, city: str) -> ForumMember | None:
        query = select(ForumMember).where(col(ForumMember.city) == city)
        return (await self.session.execute(query)).scalars().first()

    async def member_by_subject(self, subject: str) -> ForumMember | None:
        query = select(ForumMember).where(col(ForumMember.subject) == subject)
        return (await self.session.execute(query)).scalars().first()

    async def member_by_organisation(self, organisation: str) -> ForumMember | None:
        query = select(ForumMember).where(col(ForumMember.organisation) == organisation)
        return (await self.session.execute(query)).scalars().first()

    async def members_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ForumMember]:
        if not ids:
            return {}
        query = select(ForumMember).where(col(ForumMember.id).in_(set(ids)))
        return {m.id: m for m in (await self.session.execute(query)).scalars()}

    async def threads(
        self,
        *,
        include_members_only: bool,
        action_id: str | None,
        indicator_id: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[ForumThread]:
        query = select(ForumThread)
        if not include_members_only:
            query = query.where(col(ForumThread.visibility) == "public")
        if action_id:
            query = query.where(col(ForumThread.action_id) == action_id)
        if indicator_id:
            query = query.where(col(ForumThread.indicator_id) == indicator_id)
        query = query.order_by(col(ForumThread.last_activity_at).desc(), col(ForumThread.id))
        return (await self.session.execute(query.limit(limit).offset(offset))).scalars().all()

    async def thread(self, thread_id: uuid.UUID, *, lock: bool = False) -> ForumThread | None:
        query = select(ForumThread).where(col(ForumThread.id) == thread_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def replies(self, thread_id: uuid.UUID) -> Sequence[ForumReply]:
        query = (
            select(ForumReply)
            .where(col(ForumReply.thread_id) == thread_id)
            .order_by(col(ForumReply.created_at), col(ForumReply.id))
        )
        return (await self.session.execute(query)).scalars().all()
