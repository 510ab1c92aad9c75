"""REST: the B-2 action portfolio of a CCC version, one action at a time."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from services.contracts.actions.schemas import Action, ActionId
from services.contracts.ccc import service
from services.contracts.ccc.endpoints import City, Version
from services.contracts.ccc.schemas import ActionComputed, CccDocument
from shared.auth import Principal, require_principal
from shared.db import DbSession

router = APIRouter(
    prefix="/v1/cities/{city}/ccc/versions/{version}/actions",
    tags=["actions"],
)


class ActionPublic(Action):
    """An action as entered, with what is computed from it (cost, cost per tCO2e)."""

    computed: ActionComputed


def _public(document: CccDocument, action: Action) -> ActionPublic:
    figures = {f.action_id: f for f in service.action_figures(document)}
    return ActionPublic(**action.model_dump(), computed=figures[action.id])


@router.get("", summary="The actions of a CCC version with their computed figures")
async def list_actions(city: City, version: Version, session: DbSession) -> list[ActionPublic]:
    document = service.document_of(await service.get_version(session, city, version))
    return [_public(document, a) for a in document.b2_actions]


@router.get("/{action_id}", summary="One action of a CCC version")
async def get_action(
    city: City, version: Version, action_id: ActionId, session: DbSession
) -> ActionPublic:
    document = service.document_of(await service.get_version(session, city, version))
    return _public(document, service.find_action(document, action_id))


@router.put(
    "/{action_id}",
    summary="Add or replace an action (201 new, 200 replaced); a dependency cycle is a 422 "
    "naming the actions",
    responses={201: {"model": ActionPublic, "description": "The action was added"}},
)
async def put_action(
    city: City,
    version: Version,
    action_id: ActionId,
    action: Action,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> ActionPublic:
    ccc, created = await service.put_action(
        session, request.app.state.outbox, principal, city, version, action_id, action
    )
    if created:
        response.status_code = 201
    document = service.document_of(ccc)
    return _public(document, service.find_action(document, action_id))


@router.delete(
    "/{action_id}",
    status_code=204,
    summary="Remove an action (422 while an indicator, pathway, investment line or other "
    "action refers to it)",
)
async def delete_action(
    city: City,
    version: Version,
    action_id: ActionId,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> Response:
    await service.delete_action(
        session, request.app.state.outbox, principal, city, version, action_id
    )
    return Response(status_code=204)
