from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from services.sensors.gateways.service import authenticate_gateway
from services.sensors.readings import service
from services.sensors.readings.schemas import MAX_BATCH, BatchResult, ReadingBatch
from shared.db import DbSession
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/readings", tags=["readings"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    response_model=BatchResult,
    status_code=202,
    summary=f"Post a batch of up to {MAX_BATCH} readings",
    description=(
        "Authenticated by the gateway's API key (`X-Api-Key`). Each item is validated on its own "
        "and answered in request order: `accepted`, `duplicate` or `rejected` with a problem "
        "naming the field (`/readings/<index>/<field>`). **202** all accepted, **207** mixed, "
        "**422** all rejected. Accepted readings are on the broker before the answer is sent; "
        "**503** with `Retry-After` means nothing was accepted."
    ),
    responses={
        207: {"model": BatchResult, "description": "Some items not accepted"},
        503: {"description": "Broker unavailable; retry"},
    },
)
async def post_readings(
    batch: ReadingBatch,
    request: Request,
    session: DbSession,
    x_api_key: str | None = Header(None, description="The gateway's API key"),
) -> JSONResponse:
    gateway = await authenticate_gateway(session, x_api_key)
    settings = request.app.state.settings
    result = await service.ingest(
        session,
        request.app.state.producer,
        request.app.state.outbox,
        gateway,
        batch.readings,
        service.IngestLimits(
            timedelta(seconds=settings.future_tolerance_s),
            timedelta(days=settings.history_horizon_days),
        ),
    )
    total = len(result.results)
    status = 202 if result.accepted == total else 422 if result.rejected == total else 207
    return JSONResponse(result.model_dump(mode="json", exclude_none=True), status_code=status)
