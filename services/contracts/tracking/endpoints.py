"""REST: how the tracked CCC version's actions and indicators follow the live inventory."""

from __future__ import annotations

from fastapi import APIRouter

from services.contracts.actions.schemas import ActionId, IndicatorId
from services.contracts.ccc import service
from services.contracts.ccc.endpoints import City
from services.contracts.ccc.models import CccVersion
from services.contracts.ccc.repository import CccRepository
from services.contracts.tracking import service as tracking
from services.contracts.tracking.schemas import ActionTrackingPublic, IndicatorTrackingPublic
from shared.db import DbSession
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/cities/{city}/ccc/tracking", tags=["tracking"])


async def _tracked(session: DbSession, city: str) -> CccVersion:
    tracked = await CccRepository(session).tracked(city)
    if tracked is None:
        raise ProblemError(
            404,
            "Not Found",
            f"city '{city}' has no Climate City Contract yet",
            kind="not-found",
            field="/path/city",
        )
    return tracked


@router.get(
    "/actions",
    summary="Tracking status (on_course, behind, no_data) of every action of the tracked version",
)
async def list_action_tracking(city: City, session: DbSession) -> list[ActionTrackingPublic]:
    tracked = await _tracked(session, city)
    document = service.document_of(tracked)
    live = await tracking.live_figures(session, city)
    return [
        await tracking.action_tracking(session, city, tracked, action, live)
        for action in document.b2_actions
    ]


@router.get(
    "/actions/{action_id}",
    summary="One action: its status, and the live figure per month beside its path",
)
async def get_action_tracking(
    city: City, action_id: ActionId, session: DbSession
) -> ActionTrackingPublic:
    tracked = await _tracked(session, city)
    action = service.find_action(service.document_of(tracked), action_id)
    return await tracking.action_tracking(session, city, tracked, action)


@router.get(
    "/indicators/{indicator_id}",
    summary="One MEL indicator: the live figure of its source per month beside its targets",
)
async def get_indicator_tracking(
    city: City, indicator_id: IndicatorId, session: DbSession
) -> IndicatorTrackingPublic:
    tracked = await _tracked(session, city)
    document = service.document_of(tracked)
    for indicator in document.b3_indicators:
        if indicator.id == indicator_id:
            return await tracking.indicator_tracking(session, city, tracked.version, indicator)
    raise ProblemError(
        404,
        "Not Found",
        f"no indicator '{indicator_id}' in version {tracked.version}",
        kind="not-found",
        field="/path/indicator_id",
    )
