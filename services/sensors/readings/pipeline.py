"""The one path every batch takes, whether it came over HTTP or MQTT.

1. size (413) and format by content type (415), then the document is read (400, 422);
2. the gateway's key (401) and its rate limit (429), committed in a short transaction of their
   own, so a long batch never holds the rate counter's row;
3. the items are parsed and checked (CPU only, outside any transaction);
4. one transaction: the ``Idempotency-Key`` record (a retry gets the stored answer), the
   batch's effects, publication with the broker's acknowledgement (else 503 and a rollback),
   and the answer stored for the key; it commits before the answer is sent.

The transactions are opened here, not in the endpoint's dependency, because the MQTT bridge
runs the same steps outside any HTTP request; the domain functions below only flush.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from services.sensors.gateways.models import Gateway
from services.sensors.gateways.service import authenticate_gateway
from services.sensors.operations.ratelimit import admit
from services.sensors.readings import idempotency
from services.sensors.readings.formats import Parsed, batch_items, decode_readings, parse_items
from services.sensors.readings.publisher import ReadingPublisher
from services.sensors.readings.schemas import JSON, SENML_JSON
from services.sensors.readings.service import BatchAnswer, IngestLimits, ingest
from services.sensors.settings import Settings
from shared.db import Database
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError

MEDIA_TYPES = (JSON, SENML_JSON)


@dataclass(frozen=True)
class Ingestion:
    """What a batch needs, built once per process in the service's lifespan."""

    db: Database
    publisher: ReadingPublisher
    outbox: Outbox
    settings: Settings

    @property
    def limits(self) -> IngestLimits:
        return IngestLimits(
            timedelta(seconds=self.settings.future_tolerance_s),
            timedelta(days=self.settings.history_horizon_days),
        )


@dataclass(frozen=True)
class Submission:
    content_type: str | None
    body: bytes
    api_key: str | None
    idempotency_key: str | None = None
    topic_gateway: tuple[str, str] | None = None
    """MQTT: the (city, gateway id) the message's topic names; the key must be that gateway's."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def media_type_of(content_type: str | None) -> str:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise ProblemError(
            415,
            "Unsupported Media Type",
            f"send readings as {JSON} (our format) or {SENML_JSON} (RFC 8428)",
            kind="unsupported-media-type",
            field="/header/content-type",
        )
    return media_type


def status_of(result: BatchAnswer) -> int:
    """202 all accepted; 207 mixed; when every item was refused for one reason, its status."""
    total = len(result.results)
    if result.accepted == total:
        return 202
    if result.rejected == total:
        statuses = {r["problem"]["status"] for r in result.results}
        return statuses.pop() if len(statuses) == 1 else 422
    return 207


async def submit(ingestion: Ingestion, submission: Submission) -> Answer:
    settings = ingestion.settings
    if len(submission.body) > settings.max_request_bytes:
        raise too_large(settings.max_request_bytes)
    media_type = media_type_of(submission.content_type)
    if submission.idempotency_key is not None:
        idempotency.check_key(submission.idempotency_key)
    now = datetime.now(UTC)
    # A well-formed batch of our JSON is read in one compiled pass; anything else (SenML, or
    # a batch with something to answer) by the general path, which names each problem.
    parsed: list[Parsed] | None = None
    if media_type == JSON:
        parsed = decode_readings(submission.body)
    items: list[Any] | None = None
    if parsed is None:
        items = batch_items(_read_json(submission.body), media_type)
    count = len(items) if items is not None else len(parsed or ())

    async with ingestion.db.transaction() as session:
        gateway = await authenticate_gateway(session, submission.api_key)
        _check_topic(gateway, submission.topic_gateway)
        await admit(
            session,
            gateway.id,
            count,
            max_requests=settings.rate_limit_requests_per_minute,
            max_readings=settings.rate_limit_readings_per_minute,
            now=now,
        )

    if items is not None:
        parsed = parse_items(items, media_type, now)
    assert parsed is not None
    key = submission.idempotency_key
    async with ingestion.db.transaction() as session:
        if key is not None:
            stored = await idempotency.claim(
                session,
                gateway.id,
                key,
                idempotency.request_fingerprint(media_type, submission.body),
                now,
                timedelta(seconds=settings.idempotency_ttl_s),
            )
            if stored is not None:
                return Answer(stored.status, stored.body, {"Idempotent-Replayed": "true"})
        result = await ingest(
            session, ingestion.publisher, ingestion.outbox, gateway, parsed, ingestion.limits, now
        )
        answer = Answer(status_of(result), _answer_text(result.as_json()))
        if key is not None:
            await idempotency.store(session, gateway.id, key, answer.status, answer.body)
    return answer


def _answer_text(answer: dict[str, Any]) -> str:
    """The per-item answer as compact JSON: msgspec writes 5,000 results in a tenth of the
    time ``json.dumps`` takes; a string it cannot write as UTF-8 (a lone surrogate that came in
    invalid UTF-8 and is echoed in a problem) is written escaped, as before."""
    try:
        return msgspec.json.encode(answer).decode()
    except UnicodeEncodeError:
        return json.dumps(answer, separators=(",", ":"))


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "Content Too Large",
        f"a request may carry at most {limit} bytes; split the batch",
        kind="too-large",
        field="/body",
    )


def _read_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(
            400,
            "Bad Request",
            f"the body is not JSON: {exc}"[:300],
            kind="malformed",
            field="/body",
        ) from exc


def _check_topic(gateway: Gateway, topic_gateway: tuple[str, str] | None) -> None:
    if topic_gateway is not None and topic_gateway != (gateway.city, gateway.id):
        raise ProblemError(
            403,
            "Forbidden",
            "this key belongs to another gateway than the topic names",
            kind="forbidden",
            field="/topic",
        )
