"""Gateways send what they already produce: SenML over HTTP, and batches over MQTT (the machine's
Mosquitto, published with the real ``mosquitto_pub``). Both land in the inventory."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt
import pytest

from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh, live_readings

MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


async def test_a_senml_pack_is_resolved_and_lands_in_the_inventory(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        gateway, key, (_m0, _m1) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER, ELECTRICITY_METER]
        )
        bt = hour_ago().timestamp()
        pack = [
            {"bn": f"{gateway}.", "bt": bt, "bu": "kWh", "n": "sensor-0", "v": 1.5},
            {"n": "sensor-0", "t": 60, "v": 2.5},
            {"bn": "", "n": "sensor-1", "t": 120, "u": "Wh", "v": 500},  # by external id
            {"n": "sensor-1", "t": 180, "vs": "on"},
            {"n": "no-such-meter", "t": 240, "v": 1},
            {"n": "sensor-1", "t": 300, "v": float("nan")},
        ]
        r = await sensors.post(
            "/v1/readings",
            content=json.dumps(pack),  # json.dumps writes NaN, as some gateways do
            headers={"X-Api-Key": key, "Content-Type": "application/senml+json"},
        )
        assert r.status_code == 207, r.text
        body = r.json()
        assert [x["status"] for x in body["results"]] == ["accepted"] * 3 + ["rejected"] * 3
        problems = [x["problem"]["invalid-params"][0]["name"] for x in body["results"][3:]]
        assert problems == ["/3/vs", "/4/n", "/5/v"]

        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 3
        )
        assert (totals["readings"], totals["co2e_mg"]) == (3, int((1.5 + 2.5 + 0.5) * 15_000))

        # The same pack in our JSON format names the same readings: duplicates.
        t = datetime.fromtimestamp(bt, UTC)
        ours = [
            kwh(f"{gateway}.sensor-0", t, 1.5),
            kwh(f"{gateway}.sensor-0", t + timedelta(seconds=60), 2.5),
        ]
        r = await sensors.post("/v1/readings", json={"readings": ours}, headers={"X-Api-Key": key})
        assert [x["status"] for x in r.json()["results"]] == ["duplicate", "duplicate"]


async def test_other_formats_are_refused(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _gw, key, _ids = await register_gateway_with_sensors(sensors, admin_token, city, [])
        r = await sensors.post(
            "/v1/readings",
            content="a,b\n1,2",
            headers={"X-Api-Key": key, "Content-Type": "text/csv"},
        )
        assert r.status_code == 415
        r = await sensors.post(
            "/v1/readings",
            content="{not json",
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
        )
        assert r.status_code == 400
        r = await sensors.post(
            "/v1/readings",
            content='{"readings": 1}',
            headers={"X-Api-Key": key, "Content-Type": "application/senml+json"},
        )
        assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == "/body"


def mosquitto_missing() -> str | None:
    if shutil.which("mosquitto_pub") is None:
        return "mosquitto_pub is not installed (Debian: mosquitto-clients)"
    try:
        socket.create_connection((MQTT_HOST, MQTT_PORT), timeout=2).close()
    except OSError:
        return f"no MQTT broker at {MQTT_HOST}:{MQTT_PORT} (Debian: mosquitto)"
    return None


async def test_a_batch_published_with_mosquitto_pub_lands_in_the_inventory(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    missing = mosquitto_missing()
    if missing:
        # CI sets KLIMABY_REQUIRE_MQTT=1: there a missing Mosquitto is a failure, not a skip.
        if os.environ.get("KLIMABY_REQUIRE_MQTT") == "1":
            pytest.fail(f"MQTT is required (KLIMABY_REQUIRE_MQTT=1) but: {missing}")
        pytest.skip(missing)
    prefix = f"klimaby-test-{uuid.uuid4().hex[:8]}"  # this test's own topics on the shared broker
    async with (
        service_client("sensors", mqtt_enabled=True, mqtt_topic_prefix=prefix) as (app, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        gateway, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        _other, other_key, _ = await register_gateway_with_sensors(
            sensors, admin_token, city, [], name="other"
        )
        await asyncio.wait_for(app.state.mqtt_bridge.subscribed.wait(), 30)
        topic = f"{prefix}/{city}/{gateway}"
        t = hour_ago()
        async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as listener:
            await listener.subscribe(f"{topic}/results", qos=1)
            answers = listener.messages

            async def answer_to(message: dict[str, Any]) -> dict[str, Any]:
                await mosquitto_pub(f"{topic}/readings", json.dumps(message))
                received = await asyncio.wait_for(anext(answers), 30)
                return dict(json.loads(received.payload))  # type: ignore[arg-type]

            readings = [kwh(meter, t + timedelta(minutes=i), 4.0) for i in range(3)]
            readings.append(kwh(meter, t, 1.0, unit="L"))
            ok = await answer_to({"api_key": key, "request_id": "r-1", "readings": readings})
            assert (ok["request_id"], ok["status"]) == ("r-1", 207)
            assert [x["status"] for x in ok["result"]["results"]] == ["accepted"] * 3 + ["rejected"]
            assert ok["result"]["results"][3]["problem"]["invalid-params"][0]["name"] == (
                "/readings/3/unit"
            )

            senml = [
                {
                    "bn": f"{meter}",
                    "bt": (t + timedelta(hours=1)).timestamp() - 60,
                    "u": "kWh",
                    "v": 2,
                }
            ]
            ok = await answer_to({"api_key": key, "request_id": "r-2", "senml": senml})
            assert ok["status"] == 202, ok

            refused = await answer_to(
                {"api_key": "kgw_x.y", "request_id": "r-3", "readings": readings}
            )
            assert refused["status"] == 401
            foreign = await answer_to({"api_key": other_key, "readings": readings})
            assert foreign["status"] == 403

        totals = await eventually(
            lambda: live_readings(inventory, city), lambda t: t["readings"] >= 4
        )
        assert (totals["readings"], totals["co2e_mg"]) == (4, 14 * 15_000)


async def mosquitto_pub(topic: str, message: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "mosquitto_pub",
        "-h",
        MQTT_HOST,
        "-p",
        str(MQTT_PORT),
        "-q",
        "1",
        "-t",
        topic,
        "-m",
        message,
    )
    assert await asyncio.wait_for(proc.wait(), 30) == 0
