"""Operations as the IT department sees them: every log line of every process is one JSON
object with a zone-aware time, and a request's id is in its service's log and in the events
the request caused (CloudEvents extension ``requestid``), and every service that applies those
events logs them under the same id."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

from services.supervisor import System
from shared.auth import issue_token
from tests.helpers import eventually


async def _event_with_request_id(bootstrap: str, request_id: str) -> dict | None:
    consumer = AIOKafkaConsumer(
        "inventory.events.v1",
        bootstrap_servers=bootstrap,
        group_id=f"peek-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            for records in batch.values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("requestid") == request_id:
                        return event
        return None
    finally:
        await consumer.stop()


async def test_a_request_id_is_in_the_log_and_in_the_event_it_caused(system: System) -> None:
    request_id = f"it-dept-{uuid.uuid4().hex[:8]}"
    slug = f"reqid-{uuid.uuid4().hex[:6]}"
    token = issue_token("e2e-operator", "admin")
    async with httpx.AsyncClient(base_url=system.url("inventory"), timeout=10) as client:
        r = await client.post(
            "/v1/cities",
            json={"slug": slug, "name": "Request Id Town", "bidding_zone": "NO1"},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
        )
    assert r.status_code == 201, r.text
    assert r.headers["X-Request-ID"] == request_id

    event = await _event_with_request_id(os.environ["KAFKA_BOOTSTRAP_SERVERS"], request_id)
    assert event is not None and event["type"] == "no.klimaby.city.registered"
    assert event["data"]["city"] == slug

    assert system.log_dir is not None
    log = system.log_dir / "inventory.log"

    async def lines_with_the_id() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines() if request_id in line]

    mine = await eventually(lines_with_the_id, bool)
    assert mine and all(line["request_id"] == request_id for line in mine)
    assert any(line.get("path") == "/v1/cities" and line.get("status") == 201 for line in mine)

    # Every service that applies the event logs it under the same request id.
    for name in ("contracts", "sensors", "hub"):
        other = system.log_dir / f"{name}.log"

        async def applied_there(other: Path = other) -> list[dict]:
            text = await asyncio.to_thread(other.read_text)
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            return [
                line
                for line in lines
                if line.get("request_id") == request_id
                and line.get("message") == "applied event"
                and line.get("event_id") == event["id"]
            ]

        assert await eventually(applied_there, bool), name

    for path in sorted(system.log_dir.glob("*.log")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            parsed = json.loads(line)  # every line of every process is JSON …
            when = datetime.fromisoformat(parsed["time"])
            assert when.utcoffset() is not None, (path.name, number)  # … with its zone
