"""Operations: activity per sensor, stale and recovered sensors as events, rate and size limits."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer

from shared.events.catalogue import SENSORS_EVENTS
from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh


async def sensor_events(bootstrap: str, sensor_id: str, want: int) -> list[str]:
    """The types of the sensors.events.v1 events keyed by ``sensor_id``, in order."""
    consumer = AIOKafkaConsumer(
        SENSORS_EVENTS,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    types: list[str] = []
    try:
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=250)).values():
                types += [
                    json.loads(r.value)["type"] for r in records if r.key == sensor_id.encode()
                ]
            if len(types) >= want:
                break
    finally:
        await consumer.stop()
    return types


async def test_a_silent_sensor_goes_stale_and_recovers_when_it_reports(
    service_client: ServiceClientFactory, admin_token: str, city: str, broker: str
) -> None:
    async with service_client("sensors", stale_check_interval_s=0.2) as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [{**ELECTRICITY_METER, "expected_interval_s": 2}]
        )
        headers = {"X-Api-Key": key}
        t = hour_ago()
        r = await sensors.post("/v1/readings", json={"readings": [kwh(meter, t)]}, headers=headers)
        assert r.status_code == 202

        async def activity() -> dict[str, object]:
            return (await sensors.get(f"/v1/sensors/{meter}/activity")).json()

        seen = await eventually(activity, lambda a: a["stale"] is True)
        assert seen["stale"] is True and seen["accepted"] == 1
        stale_list = (await sensors.get("/v1/sensors", params={"city": city, "stale": True})).json()
        assert [s["id"] for s in stale_list] == [meter]

        r = await sensors.post(
            "/v1/readings",
            json={"readings": [kwh(meter, t + timedelta(minutes=1))]},
            headers=headers,
        )
        assert r.status_code == 202
        back = await activity()
        assert back["accepted"] == 2
        assert back["last_lag_s"] is not None and back["last_lag_s"] > 3000

        events = await sensor_events(broker, meter, want=2)
        # It may have gone stale again since; what it emitted alternates, starting with stale.
        assert events[:2] == ["no.klimaby.sensor.stale", "no.klimaby.sensor.recovered"]
        assert all(a != b for a, b in itertools.pairwise(events))


async def test_a_gateway_over_its_rate_limit_is_answered_429_with_retry_after(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors", rate_limit_requests_per_minute=2) as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        _gw2, key2, (meter2,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER], name="other"
        )
        t = hour_ago()
        statuses = []
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        for i in range(3):
            r = await sensors.post(
                "/v1/readings",
                json={"readings": [kwh(meter, t + timedelta(minutes=i))]},
                headers={"X-Api-Key": key},
            )
            statuses.append(r.status_code)
        assert statuses[:2] == [202, 202]
        if datetime.now(UTC).replace(second=0, microsecond=0) == minute:
            # All three fell in one window (the rare turn of the minute opens a new one).
            assert statuses[2] == 429
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert r.headers["content-type"].startswith("application/problem+json")
        # Another gateway has its own budget.
        r = await sensors.post(
            "/v1/readings", json={"readings": [kwh(meter2, t)]}, headers={"X-Api-Key": key2}
        )
        assert r.status_code == 202


async def test_a_request_over_the_size_limit_is_answered_413(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors", max_request_bytes=4096) as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        t = hour_ago()
        items = [kwh(meter, t + timedelta(minutes=i)) for i in range(100)]
        r = await sensors.post("/v1/readings", json={"readings": items}, headers={"X-Api-Key": key})
        assert r.status_code == 413
        assert r.json()["status"] == 413

        async def chunked() -> object:  # no Content-Length: counted while read
            yield json.dumps({"readings": items}).encode()

        r = await sensors.post(
            "/v1/readings",
            content=chunked(),  # type: ignore[arg-type]
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
        )
        assert r.status_code == 413

        r = await sensors.post(
            "/v1/readings", json={"readings": items[:10]}, headers={"X-Api-Key": key}
        )
        assert r.status_code == 202
