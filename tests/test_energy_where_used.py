"""Energy is metered where it is used (the pipeline test accounts charging on II.1.2 and ferry
diesel on II.3.1); a meter whose carrier does not fit its transport cell is refused, naming the
cell."""

from __future__ import annotations

from tests.conftest import ServiceClientFactory
from tests.helpers import register_gateway_with_sensors

BUS_CHARGING = {"kind": "energy_meter", "gpc_reference": "II.1.2", "energy_carrier": "electricity"}
FERRY_DIESEL = {"kind": "energy_meter", "gpc_reference": "II.3.1", "energy_carrier": "diesel"}


async def test_a_meter_in_a_cell_its_carrier_does_not_fit_is_refused(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("sensors") as (_s, sensors):
        gateway, _key, _ = await register_gateway_with_sensors(sensors, admin_token, "oslo", [])
        cases = [
            ({"gpc_reference": "II.1.2", "energy_carrier": "diesel"}, "/body/gpc_reference"),
            ({"gpc_reference": "II.3.1", "energy_carrier": "electricity"}, "/body/gpc_reference"),
            ({"gpc_reference": "II.1.3", "energy_carrier": "electricity"}, "/body/gpc_reference"),
            ({"gpc_reference": "III.1.1", "energy_carrier": "electricity"}, "/body/gpc_reference"),
        ]
        for n, (cell, field) in enumerate(cases):
            body = {"external_id": f"m-{n}", "kind": "energy_meter", **cell}
            r = await sensors.post(f"/v1/gateways/{gateway}/sensors", json=body, headers=auth)
            assert r.status_code == 422, (cell, r.text)
            assert [p["name"] for p in r.json()["invalid-params"]] == [field], (cell, r.text)
