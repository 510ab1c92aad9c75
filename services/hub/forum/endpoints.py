"""REST: the collaboration forum. Anyone reads public threads; members read all and write."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request, Response

from services.hub.forum import service
from services.hub.forum.repository import ForumRepository
from services.hub.forum.schemas import (
    MemberCreate,
    MemberPublic,
    ReplyCreate,
    ReplyPublic,
    ThreadCreate,
    ThreadPublic,
    ThreadSummary,
    TopicId,
)
from shared.auth import Principal, optional_principal, require_principal
from shared.db import DbSession
from shared.pagination import Offset

router = APIRouter(prefix="/v1/forum", tags=["forum"])


@router.get("/members", summary="The forum's member organisations")
async def list_members(session: DbSession) -> list[MemberPublic]:
    return [MemberPublic.model_validate(m) for m in await ForumRepository(session).members()]


@router.post("/members", status_code=201, summary="Admit a member organisation (admin)")
async def add_member(
    data: MemberCreate, session: DbSession, principal: Principal = Depends(require_principal)
) -> MemberPublic:
    return MemberPublic.model_validate(await service.add_member(session, principal, data))


@router.get("/threads", summary="Threads, newest activity first (public ones unless a member asks)")
async def list_threads(
    session: DbSession,
    action_id: TopicId | None = Query(None, description="Threads on this CCC action"),
    indicator_id: TopicId | None = Query(None, description="Threads on this indicator"),
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
    principal: Principal | None = Depends(optional_principal),
) -> list[ThreadSummary]:
    member = await service.member_of(session, principal)
    threads = await ForumRepository(session).threads(
        include_members_only=member is not None,
        action_id=action_id,
        indicator_id=indicator_id,
        limit=limit,
        offset=offset,
    )
    return await service.summaries(session, list(threads))


@router.post("/threads", status_code=201, summary="Start a thread (members only)")
async def start_thread(
    data: ThreadCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ThreadPublic:
    thread = await service.start_thread(session, principal, data)
    response.headers["Location"] = str(request.url_for("get_thread", thread_id=thread.id))
    return await service.present(session, thread)


@router.get("/threads/{thread_id}", summary="A thread with its replies")
async def get_thread(
    thread_id: uuid.UUID,
    session: DbSession,
    principal: Principal | None = Depends(optional_principal),
) -> ThreadPublic:
    return await service.present(
        session, await service.readable_thread(session, principal, thread_id)
    )


@router.post(
    "/threads/{thread_id}/replies", status_code=201, summary="Reply to a thread (members only)"
)
async def reply(
    thread_id: uuid.UUID,
    data: ReplyCreate,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ReplyPublic:
    row = await service.reply(session, principal, thread_id, data)
    member = await service.require_member(session, principal)
    return service.reply_public(row, member)
