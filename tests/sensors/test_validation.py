"""Each reading is checked on its own: time or interval, horizon, units, plausible range."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.sensors.readings.units import to_canonical, unit_problem
from tests.conftest import ServiceClientFactory
from tests.helpers import register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh

COUNTER = {
    "kind": "traffic_counter",
    "gpc_reference": "II.1.1",
    "road_segment_km": 1.2,
    "plausible_max": 500,
}
METER = {"kind": "energy_meter", "gpc_reference": "I.1.2", "plausible_max": 1000}


@pytest.mark.parametrize(
    ("value", "unit", "canonical", "expected"),
    [
        (1500, "Wh", "kWh", 1.5),
        (1.5, "kW.h", "kWh", 1.5),
        (1.5, "KWH", "kWh", 1.5),
        (2, "MWh", "kWh", 2000),
        (2, "MW.h", "kWh", 2000),
        (3.6, "MJ", "kWh", 1),
        (12, "{vehicle}", "{vehicle}", 12),
        (12, "count", "{vehicle}", 12),
        (2, "m3", "L", 2000),
    ],
)
def test_units_convert_to_the_canonical_one(
    value: float, unit: str, canonical: str, expected: float
) -> None:
    assert to_canonical(value, unit, canonical) == pytest.approx(expected)


def test_unknown_and_incompatible_units_say_which() -> None:
    assert to_canonical(1, "L", "kWh") is None
    assert "unit of volume" in unit_problem("L", "kWh")
    assert "unknown unit" in unit_problem("furlong", "kWh")


async def test_each_bad_reading_names_its_field_and_reason(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors", history_horizon_days=30) as (_s, sensors):
        _gw, key, (meter, counter) = await register_gateway_with_sensors(
            sensors, admin_token, city, [METER, COUNTER]
        )
        t = hour_ago()
        interval = {
            "sensor_id": counter,
            "from": t.isoformat(),
            "to": (t + timedelta(minutes=15)).isoformat(),
        }
        cases: list[tuple[dict[str, Any], str | None, str]] = [
            (kwh(meter, t, 2.0), None, ""),
            ({**interval, "value": 42, "unit": "{vehicle}"}, None, ""),
            ({**interval, "value": 42, "unit": "kWh"}, "unit", "vehicle count"),
            ({**interval, "value": -1, "unit": "{vehicle}"}, "value", "greater than or equal to 0"),
            ({**interval, "value": 9000, "unit": "{vehicle}"}, "value", "plausible range"),
            (
                {**interval, "to": t.isoformat(), "value": 1, "unit": "{vehicle}"},
                "to",
                "after from",
            ),
            ({"sensor_id": counter, "from": t.isoformat(), "value": 1, "unit": "1"}, "to", "both"),
            (kwh(meter, t + timedelta(days=1)), "time", "future"),
            (kwh(meter, t - timedelta(days=31)), "time", "horizon"),
            (kwh(meter, t, 5, unit="MWh"), "value", "plausible range"),
            ({**kwh(meter, t), "time": 1767225600}, "time", "RFC 3339"),
            ({**kwh(meter, t), "value": "1.5"}, "value", "valid number"),
            ({**kwh(meter, t), "extra": 1}, "extra", "not permitted"),
        ]
        r = await sensors.post(
            "/v1/readings",
            json={"readings": [c[0] for c in cases]},
            headers={"X-Api-Key": key},
        )
        assert r.status_code == 207, r.text
        for i, ((_item, field, reason), result) in enumerate(
            zip(cases, r.json()["results"], strict=True)
        ):
            if field is None:
                assert result["status"] == "accepted", (i, result)
                continue
            assert result["status"] == "rejected", (i, result)
            param = result["problem"]["invalid-params"][0]
            assert param["name"] == f"/readings/{i}/{field}", (i, param)
            assert reason in param["reason"], (i, param)


async def test_nan_is_refused(
    service_client: ServiceClientFactory, admin_token: str, city: str
) -> None:
    async with service_client("sensors") as (_s, sensors):
        _gw, key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [METER]
        )
        item = kwh(meter, datetime.now(UTC) - timedelta(minutes=1), float("nan"))
        body = json.dumps({"readings": [item]})  # Python writes the NaN literal
        r = await sensors.post(
            "/v1/readings",
            content=body,
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
        )
        assert r.status_code == 422
        assert r.json()["results"][0]["problem"]["invalid-params"][0]["name"] == "/readings/0/value"
