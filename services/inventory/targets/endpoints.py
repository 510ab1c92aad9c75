"""REST: a city's climate target (write: that city's credential or an admin; read: public)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.inventory.accounting.endpoints import CityPath
from services.inventory.budget.pace import evaluate_city
from services.inventory.targets import service
from services.inventory.targets.schemas import TargetCreate, TargetPublic, Trajectory
from shared.auth import Principal, ensure_can_write, require_principal
from shared.db import DbSession

router = APIRouter(prefix="/v1/cities/{city}/targets", tags=["climate targets"])


@router.post(
    "",
    status_code=201,
    summary="Set the city's target: a new version (the previous one stays readable)",
)
async def set_target(
    city: CityPath,
    data: TargetCreate,
    request: Request,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> TargetPublic:
    ensure_can_write(principal, city, field="/path/city")
    found = await service.set_target(session, request.app.state.outbox, principal, city, data)
    # New ceilings: this year's pace of the city's sectors may have changed status.
    await evaluate_city(session, request.app.state.outbox, city, datetime.now(UTC))
    return service.public(found)


@router.get("", summary="The city's current target")
async def current_target(city: CityPath, session: DbSession) -> TargetPublic:
    return service.public(await service.get_target(session, city))


@router.get("/versions", summary="Every version of the city's target, oldest first")
async def target_versions(city: CityPath, session: DbSession) -> list[TargetPublic]:
    return [service.public(t) for t in await service.target_versions(session, city)]


@router.get(
    "/trajectory",
    summary="Linear trajectory per sector and for the city, baseline year to the last target year",
)
async def trajectory(
    city: CityPath,
    session: DbSession,
    version: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="Default: current")
    ] = None,
) -> Trajectory:
    return service.trajectory(await service.get_target(session, city, version))
