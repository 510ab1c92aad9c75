from __future__ import annotations

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from services.sensors.readings.pipeline import Ingestion, Submission, submit, too_large
from services.sensors.readings.schemas import JSON, MAX_BATCH, SENML_JSON, BatchResult
from shared.problems import PROBLEM_JSON, Problem

router = APIRouter(prefix="/v1/readings", tags=["readings"])

_PROBLEM = {"model": Problem, "content": {PROBLEM_JSON: {}}}
# The statuses an item is refused with (pipeline.status_of answers the batch with it when every
# item has it): invalid, not this gateway's sensor, no such sensor, a meter's conflict.
ITEM_REFUSALS = (403, 404, 409, 422)


@router.post(
    "",
    response_model=BatchResult,
    status_code=202,
    summary=f"Post a batch of up to {MAX_BATCH} readings (our JSON or SenML)",
    description=(
        "Authenticated by the gateway's API key (`X-Api-Key`). The format is chosen by "
        f'`Content-Type`: `{JSON}` (`{{"readings": [...]}}`) or `{SENML_JSON}` (an RFC 8428 '
        "pack). Each item is validated on its own and answered in request order: `accepted`, "
        "`duplicate` or `rejected` with a problem naming the field (`/readings/<index>/<field>`, "
        "or `/<index>/<field>` in SenML). **202** all accepted, **207** mixed, **4xx** when every "
        "item was refused or the request itself is bad. Accepted readings are on the broker "
        "before the answer is sent; **503** with `Retry-After` means nothing was accepted. "
        "With an `Idempotency-Key`, a retry of the same batch gets the identical answer and "
        "publishes nothing again."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": {"$ref": "#/components/schemas/ReadingBatch"}},
                SENML_JSON: {
                    "schema": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_BATCH,
                        "items": {"$ref": "#/components/schemas/SenMLRecord"},
                    }
                },
            },
        }
    },
    responses={
        207: {"model": BatchResult, "description": "Some items not accepted"},
        # Every item refused for one reason: that item status, with the batch's answer (the
        # request itself bad: a problem document, as on every operation).
        **{
            status: {"model": BatchResult, "description": "Every item refused"}
            for status in ITEM_REFUSALS
        },
        413: {**_PROBLEM, "description": "Body larger than the limit"},
        415: {**_PROBLEM, "description": "Neither our JSON nor SenML"},
        429: {**_PROBLEM, "description": "The gateway's rate limit; see Retry-After"},
        503: {**_PROBLEM, "description": "Broker unavailable; nothing accepted, retry"},
    },
)
async def post_readings(
    request: Request,
    x_api_key: str | None = Header(None, description="The gateway's API key"),
    idempotency_key: str | None = Header(
        None,
        max_length=200,
        # What idempotency.check_key accepts (printable ASCII); HTTP drops the outer spaces.
        json_schema_extra={"pattern": "^[!-~]([ -~]*[!-~])?$"},
        description="Any unique string per batch; a retry with the same key and the same "
        "batch gets the identical answer",
    ),
) -> Response:
    ingestion: Ingestion = request.app.state.ingestion
    body = await _read_limited(request, ingestion.settings.max_request_bytes)
    answer = await submit(
        ingestion,
        Submission(request.headers.get("content-type"), body, x_api_key, idempotency_key),
    )
    return Response(answer.body, status_code=answer.status, media_type=JSON, headers=answer.headers)


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
