"""The event backbone: CloudEvents envelope, topic catalogue, typed payloads, AsyncAPI."""

from shared.events.catalogue import CATALOGUE, TOPICS, EventSpec, Topic, event_spec
from shared.events.envelope import CloudEvent, decode_event, encode_event, new_event

__all__ = [
    "CATALOGUE",
    "TOPICS",
    "CloudEvent",
    "EventSpec",
    "Topic",
    "decode_event",
    "encode_event",
    "event_spec",
    "new_event",
]
