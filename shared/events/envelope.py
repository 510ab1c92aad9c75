"""CloudEvents 1.0 in structured JSON mode: the whole envelope is the Kafka record value."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.payloads import EventPayload
from shared.requestcontext import current_request_id

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
REQUEST_ID_EXTENSION = "requestid"
"""CloudEvents extension attribute: the id of the HTTP request that caused the event."""


class CloudEvent(BaseModel):
    """The envelope every Klimaby event travels in (CloudEvents 1.0 required + common fields)."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="URI-reference of the producing service")
    type: str = Field(
        min_length=1, description="Reverse-DNS event type, e.g. no.klimaby.mou.signed"
    )
    time: AwareDatetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]

    def payload(self) -> EventPayload:
        """The typed payload, validated against the catalogue's model for this type."""
        from shared.events.catalogue import event_spec

        return event_spec(self.type).payload.model_validate(self.data)


def new_event(
    payload: EventPayload,
    *,
    source: str,
    subject: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    request_id: str | None = None,
) -> CloudEvent:
    """A CloudEvent of ``payload``. The request that caused it (``request_id``, by default the
    one being handled) travels as the CloudEvents extension attribute ``requestid``."""
    extensions: dict[str, str] = {}
    if rid := request_id or current_request_id():
        extensions[REQUEST_ID_EXTENSION] = rid
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=payload.event_type,
        time=time or datetime.now(UTC),
        subject=subject,
        data=payload.model_dump(mode="json"),
        **extensions,
    )


def request_id_of(event: CloudEvent) -> str | None:
    """The id of the request that caused ``event`` (its ``requestid`` extension), if any."""
    value = (event.model_extra or {}).get(REQUEST_ID_EXTENSION)
    return value if isinstance(value, str) and value else None


def encode_event(event: CloudEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()


def decode_event(value: bytes) -> CloudEvent:
    return CloudEvent.model_validate_json(value)
