"""One reading's whole journey in-process: sensors → broker → inventory, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from shared.quantities import format_tco2e, tco2e_from_mg
from tests.conftest import ServiceClientFactory
from tests.helpers import (
    ELECTRICITY_METER,
    eventually,
    register_city,
    register_gateway_with_sensors,
)


async def test_readings_are_accounted_once_with_lineage(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        await register_city(inventory, admin_token, city)
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
        values = [1.25 + i * 0.5 for i in range(50)]
        batch = {
            "readings": [
                {
                    "sensor_id": meter,
                    "time": (start + timedelta(minutes=5 * i)).isoformat(),
                    "value": v,
                    "unit": "kWh",
                }
                for i, v in enumerate(values)
            ]
        }
        r = await sensors.post("/v1/readings", json=batch, headers={"X-Api-Key": key})
        assert r.status_code == 202, r.json()["rejected"]
        assert r.json()["accepted"] == 50

        # 15 g/kWh: the newest Norwegian grid factor (2023) applies to later years.
        expected = sum(
            int((Decimal(str(v)) * 15 * 1000).quantize(Decimal(1), ROUND_HALF_EVEN)) for v in values
        )

        async def live() -> dict[str, object]:
            return (await inventory.get(f"/v1/cities/{city}/live")).json()

        totals = await eventually(live, lambda t: t["readings"] >= 50)
        assert totals["readings"] == 50
        assert totals["co2e_mg"] == expected
        # tCO2e: a decimal string with 9 places (shared.quantities.TCO2e), never a float.
        assert totals["by_scope"] == {"2": format_tco2e(tco2e_from_mg(expected))}
        assert totals["tco2e"] == format_tco2e(tco2e_from_mg(expected))

        again = await sensors.post("/v1/readings", json=batch, headers={"X-Api-Key": key})
        assert again.status_code == 207
        assert again.json()["duplicates"] == 50

        hourly = (await inventory.get(f"/v1/cities/{city}/live/hourly")).json()
        assert sum(b["co2e_mg"] for b in hourly) == expected
        lineage = (
            await inventory.get(
                f"/v1/cities/{city}/live/lineage",
                params={"gpc_reference": "I.1.2", "hour": hourly[-1]["hour"]},
            )
        ).json()
        assert lineage and all(row["factor_id"] == "no-grid-location-2023" for row in lineage)
        assert all(row["factor_version"] == 1 and row["gwp_set"] == "AR5" for row in lineage)
        assert (await live())["co2e_mg"] == expected

        # The live year-to-date exports in the GPC table layout, like an inventory version.
        year = datetime.now(UTC).year
        if start.year == year:  # the readings lie in this year (not so in the first hours of one)
            exported = (
                await inventory.get(
                    f"/v1/cities/{city}/live/year-to-date/export", params={"format": "json"}
                )
            ).json()
            row = next(r for r in exported["rows"] if r["gpc_reference"] == "I.1.2")
            assert Decimal(row["tCO2e"]) == Decimal(expected) / 10**9
            assert row["kind"] == "measured"
            assert len(exported["rows"]) == 52  # every GPC cell, in GPC order
            csv_text = (await inventory.get(f"/v1/cities/{city}/live/year-to-date/export")).text
            header, *lines = csv_text.splitlines()
            assert header.startswith("gpc_reference,sector,subsector,scope")
            assert any(
                line.startswith("I.1.2,") and str(Decimal(expected) / 10**9) in line
                for line in lines
            )


async def test_energy_is_accounted_in_the_transport_cell_where_it_is_used(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    """A bus depot's charging meter (electricity, II.1.2) and a ferry's fuel meter (diesel,
    II.3.1): registered, posted, and accounted with the factor of their cell and its scope."""
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        await register_city(inventory, admin_token, city)
        _gw, key, (charger, ferry) = await register_gateway_with_sensors(
            sensors,
            admin_token,
            city,
            [
                {
                    "kind": "energy_meter",
                    "gpc_reference": "II.1.2",
                    "energy_carrier": "electricity",
                },
                {"kind": "energy_meter", "gpc_reference": "II.3.1", "energy_carrier": "diesel"},
            ],
        )
        # Grid energy in a fuel cell (and fuel in a grid cell) is refused, naming the field.
        auth = {"Authorization": f"Bearer {admin_token}"}
        wrong = await sensors.post(
            f"/v1/gateways/{_gw}/sensors",
            json={
                "external_id": "wrong",
                "kind": "energy_meter",
                "gpc_reference": "II.3.1",
                "energy_carrier": "electricity",
            },
            headers=auth,
        )
        assert wrong.status_code == 422, wrong.text
        assert "gpc_reference" in wrong.text

        at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        batch = {
            "readings": [
                {"sensor_id": charger, "time": at.isoformat(), "value": 400, "unit": "kWh"},
                {"sensor_id": ferry, "time": at.isoformat(), "value": 250, "unit": "L"},
            ]
        }
        r = await sensors.post("/v1/readings", json=batch, headers={"X-Api-Key": key})
        assert r.status_code == 202, r.text

        async def live() -> dict[str, object]:
            return (await inventory.get(f"/v1/cities/{city}/live")).json()

        totals = await eventually(live, lambda t: t["readings"] >= 2)
        charging_mg = 400 * 15 * 1000  # NVE 2023 grid factor, 15 g/kWh
        ferry_mg = 250 * 2_660_000  # Miljødirektoratet diesel, 2.66 kg CO2 per litre
        cells = {c["gpc_reference"]: c for c in totals["cells"]}  # type: ignore[attr-defined]
        assert (cells["II.1.2"]["scope"], cells["II.1.2"]["co2e_mg"]) == (2, charging_mg)
        assert (cells["II.3.1"]["scope"], cells["II.3.1"]["co2e_mg"]) == (1, ferry_mg)
        assert totals["by_scope"] == {"1": "0.665000000", "2": "0.006000000"}

        hour = at.isoformat()
        for cell, factor_id in (("II.1.2", "no-grid-location-2023"), ("II.3.1", "no-diesel")):
            lineage = (
                await inventory.get(
                    f"/v1/cities/{city}/live/lineage",
                    params={"gpc_reference": cell, "hour": hour},
                )
            ).json()
            assert [row["factor_id"] for row in lineage] == [factor_id], lineage


async def test_a_cumulative_register_read_at_ten_and_thirteen_spreads_over_three_hours(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    register = {
        "kind": "energy_meter",
        "gpc_reference": "I.2.2",
        "energy_carrier": "electricity",
        "value_type": "cumulative",
        "expected_interval_s": 3600,
    }
    async with (
        service_client("sensors") as (_s, sensors),
        service_client("inventory") as (_i, inventory),
    ):
        await register_city(inventory, admin_token, city)
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [register]
        )
        day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        ten, thirteen = day - timedelta(hours=14), day - timedelta(hours=11)  # yesterday, UTC
        batch = {
            "readings": [
                {"sensor_id": meter, "time": ten.isoformat(), "value": 1000.0, "unit": "kWh"},
                {"sensor_id": meter, "time": thirteen.isoformat(), "value": 1007.0, "unit": "kWh"},
            ]
        }
        r = await sensors.post("/v1/readings", json=batch, headers={"X-Api-Key": key})
        assert r.status_code == 202, r.text

        async def hourly() -> list[dict[str, object]]:
            return list((await inventory.get(f"/v1/cities/{city}/live/hourly")).json())

        buckets = await eventually(hourly, lambda b: len(b) >= 3)
        # 7 kWh at 15 g/kWh = 105 000 mg, split by the hours' activity (2.333333333,
        # 2.333333333, 2.333333334 kWh), floored, the remainder to the last hour.
        assert {datetime.fromisoformat(str(b["hour"])): b["co2e_mg"] for b in buckets} == {
            ten: 34_999,
            ten + timedelta(hours=1): 34_999,
            ten + timedelta(hours=2): 35_002,
        }
        totals = (await inventory.get(f"/v1/cities/{city}/live")).json()
        assert (totals["readings"], totals["co2e_mg"]) == (1, 105_000)
