"""The forum's rules: only members write; the public reads what is marked public."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.forum.models import ForumMember, ForumReply, ForumThread
from services.hub.forum.repository import ForumRepository
from services.hub.forum.schemas import (
    Author,
    MemberCreate,
    ReplyCreate,
    ReplyPublic,
    ThreadCreate,
    ThreadPublic,
    ThreadSummary,
)
from shared.auth import CITY_ROLES, Principal
from shared.problems import ProblemError


async def member_of(session: AsyncSession, principal: Principal | None) -> ForumMember | None:
    """The organisation a caller writes for: a city token as its city, a member token as the
    state body that enrolled its subject. An admin manages the forum but is no member."""
    if principal is None:
        return None
    repo = ForumRepository(session)
    # The city's administrator and its editors speak for the city.
    if principal.role in CITY_ROLES and principal.city:
        return await repo.member_by_city(principal.city)
    if principal.role == "member":
        return await repo.member_by_subject(principal.subject)
    return None


async def require_member(session: AsyncSession, principal: Principal) -> ForumMember:
    member = await member_of(session, principal)
    if member is None:
        raise ProblemError(
            403,
            "Forbidden",
            "only members of the collaboration forum may write here",
            kind="not-a-member",
        )
    return member


async def add_member(
    session: AsyncSession, principal: Principal, data: MemberCreate
) -> ForumMember:
    if principal.role != "admin":
        raise ProblemError(
            403, "Forbidden", "this operation needs an admin token", kind="forbidden"
        )
    if data.kind == "city" and (data.city is None or data.subject is not None):
        raise ProblemError(
            422,
            "Unprocessable Content",
            "a city member is known by its city (and no subject)",
            kind="validation",
            field="/body/city",
        )
    if data.kind == "state" and (data.subject is None or data.city is not None):
        raise ProblemError(
            422,
            "Unprocessable Content",
            "a state member is known by its token subject (and no city)",
            kind="validation",
            field="/body/subject",
        )
    repo = ForumRepository(session)
    if data.city and await repo.member_by_city(data.city):
        raise ProblemError(
            409,
            "Conflict",
            f"city '{data.city}' is a member already",
            kind="conflict",
            field="/body/city",
        )
    if data.subject and await repo.member_by_subject(data.subject):
        raise ProblemError(
            409,
            "Conflict",
            "this subject is enrolled already",
            kind="conflict",
            field="/body/subject",
        )
    member = ForumMember(
        organisation=data.organisation,
        kind=data.kind,
        city=data.city,
        subject=data.subject,
        joined_at=datetime.now(UTC),
    )
    session.add(member)
    await session.flush()
    return member


async def start_thread(
    session: AsyncSession, principal: Principal, data: ThreadCreate
) -> ForumThread:
    member = await require_member(session, principal)
    now = datetime.now(UTC)
    thread = ForumThread(
        title=data.title,
        body=data.body,
        visibility=data.visibility,
        action_id=data.action_id,
        indicator_id=data.indicator_id,
        author_member_id=member.id,
        author_subject=principal.subject,
        created_at=now,
        last_activity_at=now,
    )
    session.add(thread)
    await session.flush()
    return thread


async def readable_thread(
    session: AsyncSession, principal: Principal | None, thread_id: uuid.UUID, *, lock: bool = False
) -> ForumThread:
    thread = await ForumRepository(session).thread(thread_id, lock=lock)
    # Members-only threads are not found for the public: their existence is not public either.
    if thread is None or (
        thread.visibility != "public" and await member_of(session, principal) is None
    ):
        raise ProblemError(
            404, "Not Found", "no such thread", kind="not-found", field="/path/thread_id"
        )
    return thread


async def reply(
    session: AsyncSession, principal: Principal, thread_id: uuid.UUID, data: ReplyCreate
) -> ForumReply:
    member = await require_member(session, principal)
    thread = await readable_thread(session, principal, thread_id, lock=True)
    now = datetime.now(UTC)
    row = ForumReply(
        thread_id=thread.id,
        body=data.body,
        author_member_id=member.id,
        author_subject=principal.subject,
        created_at=now,
    )
    session.add(row)
    thread.reply_count += 1
    thread.last_activity_at = now
    session.add(thread)
    await session.flush()
    return row


def _author(members: dict[uuid.UUID, ForumMember], member_id: uuid.UUID) -> Author:
    return Author(member_id=member_id, organisation=members[member_id].organisation)


async def summaries(session: AsyncSession, threads: list[ForumThread]) -> list[ThreadSummary]:
    members = await ForumRepository(session).members_by_id([t.author_member_id for t in threads])
    return [_summary(t, members) for t in threads]


def _summary(t: ForumThread, members: dict[uuid.UUID, ForumMember]) -> ThreadSummary:
    return ThreadSummary(
        id=t.id,
        title=t.title,
        visibility=t.visibility,
        action_id=t.action_id,
        indicator_id=t.indicator_id,
        author=_author(members, t.author_member_id),
        reply_count=t.reply_count,
        created_at=t.created_at,
        last_activity_at=t.last_activity_at,
    )


async def present(session: AsyncSession, t: ForumThread) -> ThreadPublic:
    repo = ForumRepository(session)
    replies = await repo.replies(t.id)
    members = await repo.members_by_id([t.author_member_id, *(r.author_member_id for r in replies)])
    return ThreadPublic(
        **_summary(t, members).model_dump(),
        body=t.body,
        replies=[
            ReplyPublic(
                id=r.id,
                body=r.body,
                author=_author(members, r.author_member_id),
                created_at=r.created_at,
            )
            for r in replies
        ],
    )


def reply_public(row: ForumReply, member: ForumMember) -> ReplyPublic:
    return ReplyPublic(
        id=row.id,
        body=row.body,
        author=Author(member_id=member.id, organisation=member.organisation),
        created_at=row.created_at,
    )
