"""Gateway keys: only for the gateway's own sensors, refused once revoked, rotated without a gap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh


async def post(client: httpx.AsyncClient, key: str, *items: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/v1/readings", json={"readings": list(items)}, headers={"X-Api-Key": key}
    )


async def test_a_gateway_posts_only_for_its_own_sensors(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _g1, key, (mine,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER], name="one"
        )
        _g2, _key2, (theirs,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER], name="two"
        )
        t = hour_ago()
        r = await post(sensors, key, kwh(theirs, t))
        assert r.status_code == 403
        problem = r.json()["results"][0]["problem"]
        assert problem["status"] == 403
        assert problem["invalid-params"][0]["name"] == "/readings/0/sensor_id"

        r = await post(sensors, key, kwh(mine, t), kwh(theirs, t))
        assert r.status_code == 207
        assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected"]


async def test_revoked_keys_are_refused_and_rotated_keys_overlap_for_the_grace_period(
    service_client: ServiceClientFactory, admin_token: str, city: str, city_token: Any
) -> None:
    async with service_client("sensors") as (_s, sensors):
        gateway, old_key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        auth = {"Authorization": f"Bearer {city_token(city)}"}
        t = hour_ago()

        r = await sensors.post(
            f"/v1/gateways/{gateway}/keys", json={"grace_period_s": 3600}, headers=auth
        )
        assert r.status_code == 201, r.text
        rotated = r.json()
        new_key = rotated["api_key"]
        assert [k["state"] for k in rotated["previous_keys"]] == ["expiring"]

        # During the grace period both keys work.
        assert (await post(sensors, old_key, kwh(meter, t))).status_code == 202
        assert (
            await post(sensors, new_key, kwh(meter, t + timedelta(minutes=1)))
        ).status_code == 202

        keys = (await sensors.get(f"/v1/gateways/{gateway}/keys", headers=auth)).json()
        assert sorted(k["state"] for k in keys) == ["active", "expiring"]

        # Revoked: refused at once, on the next request.
        old_id = rotated["previous_keys"][0]["id"]
        r = await sensors.delete(f"/v1/gateways/{gateway}/keys/{old_id}", headers=auth)
        assert r.status_code == 200 and r.json()["state"] == "revoked"
        r = await post(sensors, old_key, kwh(meter, t + timedelta(minutes=2)))
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (
            await post(sensors, new_key, kwh(meter, t + timedelta(minutes=2)))
        ).status_code == 202

        # The grace period is a whole number of seconds, as the schema says: not true, not "60".
        for wrong in (True, "60", 60.5):
            r = await sensors.post(
                f"/v1/gateways/{gateway}/keys", json={"grace_period_s": wrong}, headers=auth
            )
            assert r.status_code == 422, (wrong, r.text)
            assert r.json()["invalid-params"][0]["name"].endswith("grace_period_s")

        # A rotation without grace ends the previous key now.
        r = await sensors.post(
            f"/v1/gateways/{gateway}/keys", json={"grace_period_s": 0}, headers=auth
        )
        newest = r.json()["api_key"]
        assert (
            await post(sensors, new_key, kwh(meter, t + timedelta(minutes=3)))
        ).status_code == 401
        assert (
            await post(sensors, newest, kwh(meter, t + timedelta(minutes=3)))
        ).status_code == 202

        # A disabled gateway: every key refused until it is enabled again.
        r = await sensors.delete(f"/v1/gateways/{gateway}", headers=auth)
        assert r.json()["status"] == "disabled"
        assert (
            await post(sensors, newest, kwh(meter, t + timedelta(minutes=4)))
        ).status_code == 401
        r = await sensors.patch(f"/v1/gateways/{gateway}", json={"status": "active"}, headers=auth)
        assert r.status_code == 200
        assert (
            await post(sensors, newest, kwh(meter, t + timedelta(minutes=4)))
        ).status_code == 202


async def test_keys_are_managed_only_by_their_city(
    service_client: ServiceClientFactory, admin_token: str, city: str, city_token: Any
) -> None:
    async with service_client("sensors") as (_s, sensors):
        gateway, _key, _ids = await register_gateway_with_sensors(sensors, admin_token, city, [])
        other = {"Authorization": f"Bearer {city_token('elsewhere')}"}
        assert (
            await sensors.post(f"/v1/gateways/{gateway}/keys", headers=other)
        ).status_code == 403
        assert (await sensors.get(f"/v1/gateways/{gateway}/keys")).status_code == 401
        r = await sensors.delete(
            f"/v1/gateways/{gateway}/keys/0123456789abcdef",
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code == 404
