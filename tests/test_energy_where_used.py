"""Energy is metered where it is used: a bus depot's charging on II.1.2 (scope 2, the grid
factor) and a ferry's diesel on II.3.1 (scope 1, the diesel factor), through the real pipeline
sensors → broker → inventory, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.conftest import ServiceClientFactory
from tests.helpers import eventually, register_gateway_with_sensors

BUS_CHARGING = {"kind": "energy_meter", "gpc_reference": "II.1.2", "energy_carrier": "electricity"}
FERRY_DIESEL = {"kind": "energy_meter", "gpc_reference": "II.3.1", "energy_carrier": "diesel"}


async def test_charging_and_ferry_fuel_are_accounted_in_their_transport_cells(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    city = "trondheim"  # seeded in the inventory (bidding zone NO3)
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        _gw, key, (charger, ferry) = await register_gateway_with_sensors(
            sensors, admin_token, city, [BUS_CHARGING, FERRY_DIESEL]
        )
        at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        readings = [
            {"sensor_id": charger, "time": at.isoformat(), "value": 400, "unit": "kWh"},
            {"sensor_id": ferry, "time": at.isoformat(), "value": 120, "unit": "L"},
        ]
        r = await sensors.post(
            "/v1/readings", json={"readings": readings}, headers={"X-Api-Key": key}
        )
        assert r.status_code == 202, r.text
        ids = [item["reading_id"] for item in r.json()["results"]]

        async def accounted(reading_id: str) -> dict:
            return (await inventory.get(f"/v1/readings/{reading_id}")).json()

        charged = await eventually(lambda: accounted(ids[0]), lambda a: "co2e_mg" in a)
        fuelled = await eventually(lambda: accounted(ids[1]), lambda a: "co2e_mg" in a)
        assert (charged["gpc_reference"], charged["scope"]) == ("II.1.2", 2)
        assert charged["factor_id"].startswith("no-grid-location-")
        # 400 kWh at the newest grid factor (2023: 15 g CO2e/kWh).
        assert charged["factor_id"] == "no-grid-location-2023"
        assert charged["co2e_mg"] == 400 * 15 * 1000
        assert (fuelled["gpc_reference"], fuelled["scope"]) == ("II.3.1", 1)
        assert fuelled["factor_id"] == "no-diesel"
        assert fuelled["co2e_mg"] == int(Decimal(120) * Decimal("2.66") * 10**6)


async def test_a_meter_in_a_cell_its_carrier_does_not_fit_is_refused(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("sensors") as (_s, sensors):
        gw = (
            await sensors.post("/v1/gateways", json={"city": "oslo", "name": "depot"}, headers=auth)
        ).json()
        cases = [
            ({"gpc_reference": "II.1.2", "energy_carrier": "diesel"}, "/body/gpc_reference"),
            ({"gpc_reference": "II.3.1", "energy_carrier": "electricity"}, "/body/gpc_reference"),
            ({"gpc_reference": "II.1.3", "energy_carrier": "electricity"}, "/body/gpc_reference"),
            ({"gpc_reference": "III.1.1", "energy_carrier": "electricity"}, "/body/gpc_reference"),
        ]
        for n, (cell, field) in enumerate(cases):
            body = {"external_id": f"m-{n}", "kind": "energy_meter", **cell}
            r = await sensors.post(f"/v1/gateways/{gw['id']}/sensors", json=body, headers=auth)
            assert r.status_code == 422, (cell, r.text)
            assert [p["name"] for p in r.json()["invalid-params"]] == [field], (cell, r.text)
