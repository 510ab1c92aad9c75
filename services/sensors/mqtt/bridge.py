"""The MQTT bridge: gateways that speak MQTT publish their batches to Mosquitto and get the
same per-item answer as over HTTP.

Topics: a gateway publishes on ``<prefix>/<city>/<gateway id>/readings`` and is answered on
``<prefix>/<city>/<gateway id>/results``. The message is a JSON object carrying the credential
and the batch::

    {"api_key": "kgw_….…", "request_id": "any id to match the answer",
     "idempotency_key": "optional", "readings": [...]}     # our JSON format, or
    {"api_key": "kgw_….…", "senml": [...]}                  # a SenML pack (RFC 8428)

The credential travels in the message, not as the MQTT username and password: a subscriber never
learns who published a message, and the machine's Mosquitto lets clients in anonymously, so only
what the message carries can be checked. The key must also belong to the gateway the topic names
(else 403), so one gateway cannot answer for another. In production, Mosquitto's ACLs should also
restrict each gateway's login to its own topics.

The bridge calls the HTTP path's :func:`submit`: same validation, same publication with the
broker's acknowledgement, same idempotency. It subscribes with a shared subscription
(``$share/<group>/…``), so several replicas of the service split the messages between them.
A message is acknowledged to Mosquitto when received; a 503 answer tells the gateway to publish
again (its readings keep their ids, so nothing is counted twice).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import aiomqtt

from services.sensors.readings.pipeline import Answer, Ingestion, Submission, submit
from services.sensors.readings.schemas import JSON, SENML_JSON
from shared.problems import Problem, ProblemError
from shared.tasks import BackgroundTask

log = logging.getLogger(__name__)


class MqttBridge(BackgroundTask):
    def __init__(self, ingestion: Ingestion, group: str) -> None:
        self.ingestion = ingestion
        self.settings = ingestion.settings
        self.group = group
        self.prefix = self.settings.mqtt_topic_prefix.rstrip("/")
        self.subscribed = asyncio.Event()

    @property
    def subscription(self) -> str:
        return f"$share/{self.group}/{self.prefix}/+/+/readings"

    def start(self) -> None:
        self._start(self._run(), name="sensors-mqtt-bridge")

    async def _run(self) -> None:
        backoff = 0.5
        s = self.settings
        while True:
            try:
                async with aiomqtt.Client(
                    s.mqtt_host,
                    s.mqtt_port,
                    username=s.mqtt_username,
                    password=s.mqtt_password.get_secret_value() if s.mqtt_password else None,
                    identifier=f"klimaby-sensors-{uuid.uuid4().hex[:12]}",
                    timeout=10,
                ) as client:
                    await client.subscribe(self.subscription, qos=1)
                    self.subscribed.set()
                    log.info("MQTT bridge subscribed", extra={"topic": self.subscription})
                    backoff = 0.5
                    async for message in client.messages:
                        await self._handle(client, message)
            except asyncio.CancelledError:
                raise
            except aiomqtt.MqttError as exc:
                self.subscribed.clear()
                log.warning(
                    "MQTT broker unreachable; retrying",
                    extra={"host": s.mqtt_host, "port": s.mqtt_port, "error": str(exc)},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _handle(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        parts = message.topic.value.split("/")
        suffix = parts[-3:]
        if len(parts) < 4 or suffix[2] != "readings":
            return
        city, gateway_id = suffix[0], suffix[1]
        payload = message.payload if isinstance(message.payload, bytes | bytearray) else b""
        request_id, answer = await self.process(bytes(payload), city, gateway_id)
        reply = {
            "request_id": request_id,
            "status": answer.status,
            "result": json.loads(answer.body),
        }
        await client.publish(
            f"{'/'.join(parts[:-1])}/results", json.dumps(reply, separators=(",", ":")), qos=1
        )

    async def process(self, payload: bytes, city: str, gateway_id: str) -> tuple[Any, Answer]:
        """The answer to one message (never raises for bad input: the gateway gets a problem)."""
        request_id: Any = None
        try:
            envelope = json.loads(payload)
            if not isinstance(envelope, dict):
                raise ValueError("the message must be a JSON object")
            request_id = envelope.get("request_id")
            submission = _submission(envelope, (city, gateway_id))
            return request_id, await submit(self.ingestion, submission)
        except ProblemError as exc:
            return request_id, _problem_answer(exc.status, exc.title, exc.detail, exc.field)
        except ValueError as exc:
            return request_id, _problem_answer(400, "Bad Request", str(exc)[:300], "/")
        except Exception:
            log.exception("MQTT message failed", extra={"gateway": gateway_id})
            return request_id, _problem_answer(500, "Internal Server Error", None, None)


def _submission(envelope: dict[str, Any], topic_gateway: tuple[str, str]) -> Submission:
    api_key = envelope.get("api_key")
    key = envelope.get("idempotency_key")
    if "senml" in envelope:
        content_type, document = SENML_JSON, envelope["senml"]
    elif "readings" in envelope:
        content_type, document = JSON, {"readings": envelope["readings"]}
    else:
        raise ValueError('the message needs "readings" (our JSON) or "senml" (a SenML pack)')
    return Submission(
        content_type=content_type,
        body=json.dumps(document, separators=(",", ":")).encode(),
        api_key=api_key if isinstance(api_key, str) else None,
        idempotency_key=key if isinstance(key, str) else None,
        topic_gateway=topic_gateway,
    )


def _problem_answer(status: int, title: str, detail: str | None, field: str | None) -> Answer:
    problem = Problem(title=title, status=status, detail=detail)
    body = problem.model_dump(by_alias=True, exclude_none=True)
    if field:
        body["invalid-params"] = [{"name": field, "reason": detail or title}]
    return Answer(status, json.dumps(body))
