"""Ingestion answers per item: bad readings are rejected naming their field, the rest go on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, city_known_to_sensors, register_gateway_with_sensors


async def test_bad_items_are_rejected_by_field_and_the_rest_accepted(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with service_client("sensors") as (_app, client):
        _g1, key, (mine,) = await register_gateway_with_sensors(
            client, admin_token, city, [ELECTRICITY_METER], name="first"
        )
        _g2, _key2, (theirs,) = await register_gateway_with_sensors(
            client, admin_token, city, [ELECTRICITY_METER], name="second"
        )
        t = datetime.now(UTC) - timedelta(hours=1)
        good = [
            {
                "sensor_id": mine,
                "time": (t + timedelta(minutes=i)).isoformat(),
                "value": 2.0,
                "unit": "kWh",
            }
            for i in range(6)
        ]
        bad = [
            {"sensor_id": theirs, "time": t.isoformat(), "value": 1.0, "unit": "kWh"},
            {"sensor_id": mine, "time": "2026-01-01T10:00:00", "value": 1.0, "unit": "kWh"},
            {"sensor_id": mine, "time": t.isoformat(), "value": -1.0, "unit": "kWh"},
            {"sensor_id": mine, "time": t.isoformat(), "value": 1.0, "unit": "furlong"},
            {"sensor_id": "no-such-sensor", "time": t.isoformat(), "value": 1.0, "unit": "kWh"},
        ]
        items = [
            good[0],
            bad[0],
            good[1],
            bad[1],
            good[2],
            bad[2],
            good[3],
            bad[3],
            good[4],
            bad[4],
            good[5],
        ]
        r = await client.post("/v1/readings", json={"readings": items}, headers={"X-Api-Key": key})
        assert r.status_code == 207
        body = r.json()
        assert (body["accepted"], body["duplicates"], body["rejected"]) == (6, 0, 5)
        assert [res["index"] for res in body["results"]] == list(range(len(items)))
        rejected = {
            res["index"]: res["problem"] for res in body["results"] if res["status"] == "rejected"
        }
        assert rejected[1]["invalid-params"][0]["name"] == "/readings/1/sensor_id"
        assert rejected[1]["status"] == 403
        assert rejected[3]["invalid-params"][0]["name"] == "/readings/3/time"
        assert "timezone" in rejected[3]["invalid-params"][0]["reason"]
        assert rejected[5]["invalid-params"][0]["name"] == "/readings/5/value"
        assert rejected[7]["invalid-params"][0]["name"] == "/readings/7/unit"
        assert rejected[9]["invalid-params"][0]["name"] == "/readings/9/sensor_id"


async def test_units_are_converted_to_the_sensors_canonical_unit(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with service_client("sensors") as (_app, client):
        _g, key, (meter,) = await register_gateway_with_sensors(
            client, admin_token, city, [ELECTRICITY_METER]
        )
        t = datetime.now(UTC) - timedelta(minutes=30)
        items = [
            {
                "sensor_id": meter,
                "time": (t + timedelta(minutes=i)).isoformat(),
                "value": 1500.0,
                "unit": unit,
            }
            for i, unit in enumerate(["Wh", "kW.h", "KWH"])
        ]
        r = await client.post("/v1/readings", json={"readings": items}, headers={"X-Api-Key": key})
        assert r.status_code == 202, r.text


async def test_writes_need_credentials_of_the_right_city(
    service_client: ServiceClientFactory, admin_token: str, city_token: object
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with service_client("sensors") as (_app, client):
        r = await client.post("/v1/gateways", json={"city": city, "name": "x"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        other = city_token("elsewhere")  # type: ignore[operator]
        r = await client.post(
            "/v1/gateways",
            json={"city": city, "name": "x"},
            headers={"Authorization": f"Bearer {other}"},
        )
        assert r.status_code == 403
        own = city_token(city)  # type: ignore[operator]
        await city_known_to_sensors(client, city)
        r = await client.post(
            "/v1/gateways",
            json={"city": city, "name": "x"},
            headers={"Authorization": f"Bearer {own}"},
        )
        assert r.status_code == 201
        r = await client.post(
            "/v1/readings", json={"readings": [{}]}, headers={"X-Api-Key": "kgw_nothing.wrong"}
        )
        assert r.status_code == 401
        r = await client.post(
            "/v1/readings", json={"readings": []}, headers={"X-Api-Key": "kgw_nothing.wrong"}
        )
        assert r.status_code == 422
        assert r.json()["invalid-params"][0]["name"] == "/body/readings"
