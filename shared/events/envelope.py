"""CloudEvents 1.0 in structured JSON mode: the whole envelope is the Kafka record value."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.payloads import EventPayload

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


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
) -> CloudEvent:
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=payload.event_type,
        time=time or datetime.now(UTC),
        subject=subject,
        data=payload.model_dump(mode="json"),
    )


def encode_event(event: CloudEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()


def decode_event(value: bytes) -> CloudEvent:
    return CloudEvent.model_validate_json(value)
