"""The AsyncAPI 3.0 document, generated from the catalogue so that docs cannot drift from code."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.events.catalogue import TOPICS
from shared.events.envelope import CloudEvent

REF = "#/components/schemas/{model}"


def _message_name(event_type: str) -> str:
    return event_type.removeprefix("no.klimaby.").replace(".", "_")


def asyncapi_document(version: str = "0.1.0") -> dict[str, Any]:
    models: list[type[BaseModel]] = [CloudEvent]
    models += [spec.payload for topic in TOPICS for spec in topic.events]
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        channel_id = topic.name.replace(".", "_")
        channel_messages: dict[str, Any] = {}
        for spec in topic.events:
            name = _message_name(spec.event_type)
            envelope = {
                "allOf": [
                    {"$ref": REF.format(model="CloudEvent")},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": spec.event_type},
                            "data": {"$ref": REF.format(model=spec.payload.__name__)},
                        },
                    },
                ]
            }
            messages[name] = {
                "name": name,
                "title": spec.event_type,
                "summary": spec.summary,
                "contentType": "application/cloudevents+json",
                "payload": envelope,
                "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}}},
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {
            "address": topic.name,
            "description": f"{topic.description} Key: {topic.key}. Written by {topic.producer}.",
            "messages": channel_messages,
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "summary": f"{topic.producer} publishes to {topic.name}",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Klimaby events",
            "version": version,
            "description": (
                "CloudEvents 1.0 (structured JSON mode) on Kafka. Delivery is at least once; "
                "every consumer is idempotent (by event id, and for readings by reading id)."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "Embedded Tansu broker started by `klimaby broker` / `make run`",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def asyncapi_yaml() -> str:
    return yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True)
