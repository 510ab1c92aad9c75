"""The emission-factor library: units with pint, validation naming the field, admin-only writes,
versions that supersede without erasing, and factor.revised through the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.inventory.factors.units import UnitError, convert, dimension_of
from services.inventory.seed import reference_factors
from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

PLANT = {
    "id": "oslo-fjernvarme-2023",
    "name": "District heating, Oslo plant mix 2023",
    "activity": "district_heating",
    "gpc_references": ["I.1.2", "I.2.2"],
    "activity_unit": "MWh",
    "gas": "CO2e",
    "value": "21.5",
    "mass_unit": "kg",
    "gwp_set": "AR5",
    "region": "oslo",
    "valid_from_year": 2023,
    "valid_to_year": 2023,
    "source": "Fortum Oslo Varme, NS 3720:2018 declaration",
}


@pytest.mark.parametrize(
    ("value", "unit", "to", "expected"),
    [
        ("1.5", "MWh", "kWh", "1500"),
        ("2", "GJ", "MWh", "0.5555555555555555555555555556"),
        ("0.0036", "TJ", "kWh", "1000"),
        ("2", "m**3", "L", "2000"),
        ("3", "t", "kg", "3000"),
        ("12.5", "vehicle-km", "vehicle_km", "12.5"),
    ],
)
def test_activity_units_convert_exactly(value: str, unit: str, to: str, expected: str) -> None:
    assert convert(Decimal(value), unit, to) == Decimal(expected)


def test_incompatible_or_unknown_units_are_refused() -> None:
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(Decimal(1), "kWh", "L")
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(Decimal(1), "vehicle-km", "km")  # a vehicle-km is not a distance
    with pytest.raises(UnitError):
        dimension_of("furlongs per fortnight")
    with pytest.raises(UnitError, match="measures"):
        dimension_of("degC")
    assert {dimension_of(f.activity_unit) for f in reference_factors()} == {
        "energy",
        "volume",
        "vehicle distance",
    }


def names(r: httpx.Response) -> list[str]:
    return [p["name"] for p in r.json().get("invalid-params", [])]


async def test_factors_are_created_by_admins_validated_and_revised_into_new_versions(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **OFFLINE) as (app, client):
        assert (await client.post("/v1/factors", json=PLANT)).status_code == 401
        r = await client.post(
            "/v1/factors", json=PLANT, headers={"Authorization": f"Bearer {city_token('oslo')}"}
        )
        assert r.status_code == 403

        invalid: list[tuple[dict[str, Any], str]] = [
            ({"gpc_references": ["I.1.2", "I.9.9"]}, "/body/gpc_references/1"),
            ({"activity_unit": "kWh/L"}, "/body/activity_unit"),
            ({"activity_unit": "furlong"}, "/body/activity_unit"),
            ({"gwp_set": None}, "/body/gwp_set"),
            ({"region": "bergen"}, "/body/region"),
            ({"region": "NO7"}, "/body/region"),
            ({"valid_to_year": 2020}, "/body/valid_to_year"),
            ({"value": "-1"}, "/body/value"),
            ({"source": "NVE\x00"}, "/body/source"),  # PostgreSQL text cannot hold NUL
        ]
        for change, field in invalid:
            r = await client.post("/v1/factors", json=PLANT | change, headers=admin)
            assert r.status_code == 422 and names(r) == [field], (change, r.text)

        r = await client.post("/v1/factors", json=PLANT, headers=admin)
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["version"] == 1 and created["region_kind"] == "city"
        assert created["created_by"] == "test-admin" and created["is_current"] is True
        r = await client.post("/v1/factors", json=PLANT, headers=admin)
        assert r.status_code == 409 and names(r) == ["/body/id"]

        found = (await client.get("/v1/factors", params={"region": "oslo"})).json()
        assert [f["id"] for f in found] == [PLANT["id"]]
        grid_2021 = (
            await client.get("/v1/factors", params={"activity": "electricity_grid", "year": 2021})
        ).json()
        # 2019's factor ends in 2019: the library holds 2020's (valid_to_year when superseded).
        assert {f["id"] for f in grid_2021} == {"no-grid-location-2020"}
        by_year = {
            f["id"]: f["valid_to_year"]
            for f in (
                await client.get("/v1/factors", params={"activity": "electricity_grid"})
            ).json()
        }
        assert by_year == {
            "no-grid-location-2019": 2019,
            "no-grid-location-2020": 2021,
            "no-grid-location-2022": 2022,
            "no-grid-location-2023": None,
        }
        cells = (await client.get("/v1/factors", params={"gpc_reference": "II.1.1"})).json()
        assert {f["id"] for f in cells} >= {"no-diesel", "no-road-bus"}

        # A revision supersedes version 1, which stays readable.
        grid = "/v1/factors/no-grid-location-2023"
        r = await client.post(
            f"{grid}/revisions", json={"value": "16", "reason": "NVE revised 2023"}, headers=admin
        )
        assert r.status_code == 201, r.text
        assert r.json()["version"] == 2 and r.json()["revision_reason"] == "NVE revised 2023"
        assert r.headers["location"].endswith(f"{grid}/versions/2")
        current = (await client.get(grid)).json()
        assert current["version"] == 2 and Decimal(current["value"]) == 16
        versions = (await client.get(f"{grid}/versions")).json()
        assert [(v["version"], v["is_current"]) for v in versions] == [(1, False), (2, True)]
        assert versions[0]["superseded_at"] is not None and Decimal(versions[0]["value"]) == 15
        assert (await client.get(f"{grid}/versions/1")).json()["is_current"] is False
        every = (await client.get("/v1/factors", params={"current": "false"})).json()
        assert [f["version"] for f in every if f["id"] == "no-grid-location-2023"] == [1, 2]

        async with app.state.db.transaction() as session:
            rows = (
                await session.execute(
                    text("SELECT key, payload FROM outbox WHERE event_type = :t"),
                    {"t": "no.klimaby.factor.revised"},
                )
            ).all()
        assert len(rows) == 1 and rows[0].key == "NO"
        data = json.loads(rows[0].payload)["data"]
        assert (data["previous_version"], data["version"]) == (1, 2)
        assert (Decimal(data["previous_value"]), Decimal(data["value"])) == (15, 16)

        # What a revision may not do, each naming its field.
        r = await client.post(f"{grid}/revisions", json={"reason": "nothing"}, headers=admin)
        assert r.status_code == 422 and names(r) == ["/body"]
        r = await client.post(
            f"{grid}/revisions", json={"gwp_set": None, "reason": "x"}, headers=admin
        )
        assert r.status_code == 422 and names(r) == ["/body/gwp_set"]
        r = await client.post(f"{grid}/revisions", json={"value": "1"}, headers=admin)
        assert r.status_code == 422 and names(r) == ["/body/reason"]
        r = await client.post("/v1/factors/nope/revisions", json={"reason": "x"}, headers=admin)
        assert r.status_code == 404 and names(r) == ["/path/factor_id"]
        r = await client.get(f"{grid}/versions/3")
        assert r.status_code == 404 and names(r) == ["/path/version"]
        r = await client.get("/v1/factors/no%00grid")
        assert r.status_code == 422 and names(r) == ["/path/factor_id"]
