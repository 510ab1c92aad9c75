"""City administrators manage their sensors: change, deactivate, register many from CSV, search."""

from __future__ import annotations

from typing import Any

from tests.conftest import ServiceClientFactory
from tests.helpers import ELECTRICITY_METER, eventually, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh

CSV = """external_id,kind,gpc_reference,energy_carrier,road_segment_km,vehicle_class,value_type,latitude,longitude,expected_interval_s
meter-a,energy_meter,I.1.2,electricity,,,cumulative,59.91,10.75,900
counter-b,traffic_counter,II.1.1,,2.5,bus,,59.92,10.76,
meter-c,energy_meter,II.1.1,electricity,,,,,,
meter-a,energy_meter,I.1.2,,,,,,,
counter-d,traffic_counter,II.1.1,,-1,,,,,
meter-e,energy_meter,I.3.2,natural_gas,,,,,,3600
"""


async def test_sensors_are_registered_in_bulk_from_csv_with_a_result_per_row(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        gateway, _key, _ = await register_gateway_with_sensors(sensors, admin_token, city, [])
        auth = {"Authorization": f"Bearer {admin_token}", "Content-Type": "text/csv"}
        r = await sensors.post(f"/v1/gateways/{gateway}/sensors/bulk", content=CSV, headers=auth)
        assert r.status_code == 207, r.text
        body = r.json()
        assert (body["created"], body["rejected"]) == (3, 3)
        by_row = {x["row"]: x for x in body["results"]}
        assert [by_row[n]["status"] for n in range(1, 7)] == [
            "created",
            "created",
            "rejected",
            "rejected",
            "rejected",
            "created",
        ]
        names = {n: by_row[n]["problem"]["invalid-params"][0]["name"] for n in (3, 4, 5)}
        assert names == {
            3: "/rows/3/gpc_reference",
            4: "/rows/4/external_id",
            5: "/rows/5/road_segment_km",
        }
        assert by_row[4]["problem"]["status"] == 409

        meter = (await sensors.get(f"/v1/sensors/{by_row[1]['sensor_id']}")).json()
        assert (meter["value_type"], meter["expected_interval_s"], meter["latitude"]) == (
            "cumulative",
            900,
            59.91,
        )
        again = await sensors.post(
            f"/v1/gateways/{gateway}/sensors/bulk", content=CSV, headers=auth
        )
        assert again.status_code == 422  # nothing new: every row exists or is invalid

        r = await sensors.post(
            f"/v1/gateways/{gateway}/sensors/bulk", content="name,kind\nx,y\n", headers=auth
        )
        assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == "/body/0"
        for junk in ("\r0", '"unterminated\n', "\x00"):  # found by schemathesis: never a 500
            r = await sensors.post(
                f"/v1/gateways/{gateway}/sensors/bulk", content=junk, headers=auth
            )
            assert r.status_code == 422, (junk, r.text)


async def test_sensors_are_searched_and_filtered(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        gateway, _key, ids = await register_gateway_with_sensors(
            sensors,
            admin_token,
            city,
            [
                {**ELECTRICITY_METER, "external_id": "Tøyen feeder"},
                {**ELECTRICITY_METER, "external_id": "Grønland feeder", "value_type": "cumulative"},
                {
                    "kind": "traffic_counter",
                    "gpc_reference": "II.1.1",
                    "road_segment_km": 1.0,
                    "external_id": "Ring 2 north",
                },
            ],
        )

        async def found(**params: Any) -> list[str]:
            r = await sensors.get("/v1/sensors", params={"city": city, **params})
            assert r.status_code == 200, r.text
            return [s["id"] for s in r.json()]

        assert sorted(await found()) == sorted(ids)
        assert await found(kind="traffic_counter") == [ids[2]]
        assert await found(value_type="cumulative") == [ids[1]]
        assert sorted(await found(q="FEEDER")) == sorted(ids[:2])
        assert await found(gateway_id=gateway, q="ring") == [ids[2]]
        assert await found(limit=1, offset=1) == sorted(ids)[1:2]
        assert sorted(await found(stale=False)) == sorted(ids)
        assert await found(stale=True) == []


async def test_a_sensor_is_changed_deactivated_and_activated_again(
    service_client: ServiceClientFactory, admin_token: str, city: str, city_token: Any
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        auth = {"Authorization": f"Bearer {city_token(city)}"}
        r = await sensors.patch(
            f"/v1/sensors/{meter}",
            json={"gpc_reference": "I.2.2", "bidding_zone": "NO3", "plausible_max": 50},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        assert (r.json()["gpc_reference"], r.json()["bidding_zone"]) == ("I.2.2", "NO3")
        assert r.json()["updated_at"] is not None

        r = await sensors.patch(
            f"/v1/sensors/{meter}", json={"gpc_reference": "II.1.1"}, headers=auth
        )
        assert r.json()["invalid-params"][0]["name"] == "/body/gpc_reference"
        r = await sensors.patch(
            f"/v1/sensors/{meter}", json={"energy_carrier": "diesel"}, headers=auth
        )
        assert r.status_code == 409  # a diesel meter measures litres: a new sensor
        r = await sensors.patch(
            f"/v1/sensors/{meter}", json={"kind": "traffic_counter"}, headers=auth
        )
        assert r.status_code == 422
        other = {"Authorization": f"Bearer {city_token('elsewhere')}"}
        assert (await sensors.delete(f"/v1/sensors/{meter}", headers=other)).status_code == 403

        r = await sensors.delete(f"/v1/sensors/{meter}", headers=auth)
        assert r.status_code == 200 and r.json()["status"] == "inactive"
        t = hour_ago()
        r = await sensors.post(
            "/v1/readings", json={"readings": [kwh(meter, t)]}, headers={"X-Api-Key": key}
        )
        assert r.status_code == 422
        assert "deactivated" in r.json()["results"][0]["problem"]["detail"]

        r = await sensors.patch(f"/v1/sensors/{meter}", json={"status": "active"}, headers=auth)
        assert r.json()["status"] == "active"
        r = await sensors.post(
            "/v1/readings", json={"readings": [kwh(meter, t)]}, headers={"X-Api-Key": key}
        )
        assert r.status_code == 202
        r = await sensors.post(
            "/v1/readings", json={"readings": [kwh(meter, t, 60)]}, headers={"X-Api-Key": key}
        )
        assert "plausible" in r.json()["results"][0]["problem"]["detail"]


async def test_a_sensor_declares_its_coverage_and_the_inventory_hears_it_with_each_reading(
    service_client: ServiceClientFactory, admin_token: str, city: str, city_token: Any
) -> None:
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        admin = {"Authorization": f"Bearer {admin_token}"}
        r = await inventory.post(
            "/v1/cities",
            json={"slug": city, "name": city.title(), "bidding_zone": "NO1"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        meter_spec = {
            **ELECTRICITY_METER,
            "gpc_reference": "I.2.2",
            "coverage_group": "kommunale-bygg",
            "coverage_share": 0.12,
        }
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [meter_spec]
        )
        auth = {"Authorization": f"Bearer {city_token(city)}"}
        r = await sensors.get(f"/v1/sensors/{meter}")
        assert (r.json()["coverage_group"], r.json()["coverage_share"]) == ("kommunale-bygg", 0.12)
        for body, field in (
            ({"coverage_share": 0}, "/body/coverage_share"),
            ({"coverage_share": 1.2}, "/body/coverage_share"),
            ({"coverage_group": "no spaces"}, "/body/coverage_group"),
        ):
            r = await sensors.patch(f"/v1/sensors/{meter}", json=body, headers=auth)
            assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == field, r.text
        r = await sensors.patch(f"/v1/sensors/{meter}", json={"coverage_share": 0.15}, headers=auth)
        assert r.status_code == 200 and r.json()["coverage_share"] == 0.15

        r = await sensors.post(
            "/v1/readings",
            json={"readings": [kwh(meter, hour_ago(), 5.0)]},
            headers={"X-Api-Key": key},
        )
        assert r.status_code == 202, r.text

        async def coverage() -> dict[str, Any]:
            return (await inventory.get(f"/v1/cities/{city}/coverage/I.2.2")).json()

        cell = await eventually(coverage, lambda c: c["basis"] != "unknown")
        assert (cell["basis"], cell["share"]) == ("groups", "0.150000000")
        assert cell["groups"] == [
            {
                "group": "kommunale-bygg",
                "share": "0.150000000",
                "basis": "declared",
                "sensors": [meter],
            }
        ]
