"""A full BASIC inventory entered through the API: completeness, totals computed independently,
AR5 against AR6, publishing freezes it, a new version carries the change, both stay readable."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

CITY, YEAR = "oslo", 2023
BASE = f"/v1/cities/{CITY}/inventories"
V1 = f"{BASE}/{YEAR}/versions/1"

# Two factors the test adds itself: a CH4 factor (landfill, non-fossil methane) and an N2O
# factor (diesel combustion), so that AR5 and AR6 must differ.
CH4_FACTOR = {
    "id": "test-landfill-ch4",
    "name": "Landfilled municipal waste, methane",
    "activity": "landfill_waste",
    "gpc_references": ["III.1.1"],
    "activity_unit": "t",
    "gas": "CH4",
    "value": "50",
    "mass_unit": "kg",
    "region": "NO",
    "valid_from_year": 2020,
    "source": "test data",
}
N2O_FACTOR = {
    "id": "test-diesel-n2o",
    "name": "Diesel in road vehicles, nitrous oxide",
    "activity": "diesel",
    "gpc_references": ["II.1.1"],
    "activity_unit": "L",
    "gas": "N2O",
    "value": "0.1",
    "mass_unit": "g",
    "region": "NO",
    "valid_from_year": 2020,
    "source": "test data",
}

# Our own statement of the GWP-100 sets (domain brief), independent of the service's table.
GWP = {
    "AR5": {"CO2": 1, "CH4_fossil": 28, "CH4_non_fossil": 28, "N2O": 265, "CO2e": 1},
    "AR6": {
        "CO2": 1,
        "CH4_fossil": Decimal("29.8"),
        "CH4_non_fossil": Decimal("27.0"),
        "N2O": 273,
        "CO2e": 1,
    },
}


def activity(value: str, unit: str, *factors: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "activity",
        "activities": [{"value": value, "unit": unit, "factors": [{"id": f} for f in factors]}],
        "data_source": "municipal energy statistics",
        "data_quality": "reported",
        **extra,
    }


def reported(method: str = "plant's own report", **tonnes: str) -> dict[str, Any]:
    fossil = tonnes.pop("ch4_fossil", None)
    body: dict[str, Any] = {
        "kind": "reported",
        "emissions": tonnes,
        "method": method,
        "data_source": "operator",
        "data_quality": "measured",
    }
    if fossil is not None:
        body["ch4_fossil"] = fossil == "fossil"
    return body


def notation(key: str, **extra: str) -> dict[str, Any]:
    return {"kind": "notation", "notation_key": key, **extra}


NO = notation("NO")
# The BASIC inventory: one body per required cell (32), plus a BASIC+ and a territorial cell.
ENTRIES: dict[str, dict[str, Any]] = {
    "I.1.1": activity("1000", "MWh", "no-heating-oil"),
    "I.1.2": activity("50", "GWh", "no-grid-location-2023"),
    "I.2.1": notation("IE", included_in="I.1.1"),
    "I.2.2": activity("20000", "MWh", "no-grid-location-2023"),
    "I.3.1": reported(CO2="1234.5", CH4="0.5", N2O="0.1", ch4_fossil="fossil"),
    "I.3.2": notation("NE", justification="no metering of industrial sites yet"),
    "I.4.1": NO,
    "I.4.2": NO,
    "I.5.1": notation("C"),
    "I.5.2": NO,
    "I.6.1": NO,
    "I.6.2": NO,
    "I.7.1": NO,
    "I.8.1": NO,
    "II.1.1": activity("1000000", "L", "no-diesel", "test-diesel-n2o"),
    "II.1.2": activity("5000", "MWh", "no-grid-location-2023"),
    "II.2.1": NO,
    "II.2.2": activity("1000", "MWh", "no-grid-location-2023"),
    "II.3.1": reported(CO2="500"),
    "II.3.2": NO,
    "II.4.1": notation("NE", justification="the airport is outside the city"),
    "II.4.2": NO,
    "II.5.1": activity("10", "m**3", "no-petrol"),
    "II.5.2": NO,
    "III.1.1": activity("2000", "t", "test-landfill-ch4", ch4_fossil=False),
    "III.1.2": NO,
    "III.2.1": reported(CH4="2", ch4_fossil="non-fossil"),
    "III.2.2": NO,
    "III.3.1": reported(CO2="800", N2O="0.5"),
    "III.3.2": NO,
    "III.4.1": reported(N2O="1.2", CH4="3", ch4_fossil="non-fossil"),
    "III.4.2": NO,
    # Not required for BASIC: a BASIC+ cell and a territorial-only one.
    "V.1": reported(CH4="10", ch4_fossil="non-fossil"),
    "I.4.4": reported(CO2="90"),
}

# The same data as tonnes per gas, from the activity data and factor values (domain brief).
ACTIVITY_TONNES: dict[str, dict[str, Decimal]] = {
    "I.1.1": {"CO2": Decimal(1_000_000) * Decimal("264.5") / 10**6},
    "I.1.2": {"CO2e": Decimal(50_000_000) * 15 / 10**6},
    "I.2.2": {"CO2e": Decimal(20_000_000) * 15 / 10**6},
    "II.1.1": {
        "CO2": Decimal(1_000_000) * Decimal("2.66") / 1000,
        "N2O": Decimal(1_000_000) * Decimal("0.1") / 10**6,
    },
    "II.1.2": {"CO2e": Decimal(5_000_000) * 15 / 10**6},
    "II.2.2": {"CO2e": Decimal(1_000_000) * 15 / 10**6},
    "II.5.1": {"CO2": Decimal(10_000) * Decimal("2.32") / 1000},
    "III.1.1": {"CH4": Decimal(2000) * 50 / 1000},
}


def expected_tonnes(gwp_set: str, cells: set[str]) -> Decimal:
    total = Decimal(0)
    for ref in cells:
        body = ENTRIES[ref]
        if body["kind"] == "notation":
            continue
        gases = ACTIVITY_TONNES.get(ref) or {g: Decimal(t) for g, t in body["emissions"].items()}
        fossil = body.get("ch4_fossil")
        for gas, tonnes in gases.items():
            key = gas if gas != "CH4" else ("CH4_fossil" if fossil else "CH4_non_fossil")
            total += tonnes * GWP[gwp_set][key]
    return total


BASIC_CELLS = {r for r in ENTRIES if r not in ("V.1", "I.4.4")}


def as_mg(tonnes: Decimal) -> int:
    return int((tonnes * 10**9).quantize(Decimal(1), ROUND_HALF_EVEN))


async def add_test_factors(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for factor in (CH4_FACTOR, N2O_FACTOR):
        r = await client.post("/v1/factors", json=factor, headers=admin)
        assert r.status_code == 201, r.text


async def test_a_basic_inventory_is_complete_exact_frozen_when_published_and_versioned(
    service_client: ServiceClientFactory, admin_token: str, city_token: Any
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    oslo = {"Authorization": f"Bearer {city_token(CITY)}"}
    # No readings here: the service runs without its Kafka consumer (starts and stops fast).
    async with service_client("inventory", **OFFLINE) as (app, client):
        await add_test_factors(client, admin)
        r = await client.post(
            BASE, json={"year": YEAR, "level": "BASIC", "gwp_set": "AR5"}, headers=oslo
        )
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "draft" and r.json()["version"] == 1

        last = "III.4.2"
        for ref, body in ENTRIES.items():
            if ref != last:
                r = await client.put(f"{V1}/entries/{ref}", json=body, headers=oslo)
                assert r.status_code == 201, (ref, r.text)

        completeness = (await client.get(f"{V1}/completeness", headers=oslo)).json()
        basic = next(c for c in completeness["levels"] if c["level"] == "BASIC")
        assert basic == {
            "level": "BASIC",
            "complete": False,
            "required": 32,
            "filled": 31,
            "missing": [last],
        }
        r = await client.post(f"{V1}/publish", headers=oslo)
        assert r.status_code == 409 and r.json()["missing"] == [last]

        # A notation key without its explanation is refused, naming the field; still incomplete.
        r = await client.put(f"{V1}/entries/{last}", json=notation("NE"), headers=oslo)
        assert r.status_code == 422
        assert [p["name"] for p in r.json()["invalid-params"]] == ["/body/justification"]
        r = await client.put(f"{V1}/entries/{last}", json=notation("IE"), headers=oslo)
        assert [p["name"] for p in r.json()["invalid-params"]] == ["/body/included_in"]
        completeness = (await client.get(f"{V1}/completeness", headers=oslo)).json()
        assert completeness["levels"][0]["missing"] == [last]

        r = await client.put(f"{V1}/entries/{last}", json=NO, headers=oslo)
        assert r.status_code == 201
        completeness = (await client.get(f"{V1}/completeness", headers=oslo)).json()
        assert completeness["levels"][0]["complete"] is True
        plus = completeness["levels"][1]
        assert plus["level"] == "BASIC+" and not plus["complete"]
        assert "V.2" in plus["missing"] and "V.1" not in plus["missing"]

        # Totals equal the figures computed here from the same activity data, factors and GWP.
        gpc = (await client.get(f"{V1}/views/gpc", headers=oslo)).json()
        assert gpc["basic"]["co2e_mg"] == as_mg(expected_tonnes("AR5", BASIC_CELLS))
        assert Decimal(gpc["basic"]["tco2e"]) == expected_tonnes("AR5", BASIC_CELLS)
        assert gpc["basic_plus"]["co2e_mg"] == as_mg(expected_tonnes("AR5", BASIC_CELLS | {"V.1"}))
        assert gpc["territorial_only"]["co2e_mg"] == as_mg(Decimal(90))
        assert gpc["total"] == gpc["basic"]
        sectors = {s["key"]: s["co2e_mg"] for s in gpc["by_sector"]}
        assert (
            set(sectors) == {"I", "II", "III"} and sum(sectors.values()) == gpc["basic"]["co2e_mg"]
        )
        assert sum(s["co2e_mg"] for s in gpc["by_scope"]) == gpc["basic"]["co2e_mg"]
        by_gas = {g["gas"]: g for g in gpc["by_gas"]}
        assert Decimal(by_gas["CH4"]["amount_t"]) == Decimal("0.5") + 100 + 2 + 3
        assert Decimal(by_gas["N2O"]["amount_t"]) == Decimal("0.1") + Decimal("0.1") + Decimal(
            "0.5"
        ) + Decimal("1.2")
        assert sum(g["co2e_mg"] for g in gpc["by_gas"]) == gpc["basic"]["co2e_mg"]

        entry = (await client.get(f"{V1}/entries/II.1.1", headers=oslo)).json()
        assert {f["id"]: f["version"] for f in entry["activities"][0]["factors"]} == {
            "no-diesel": 1,
            "test-diesel-n2o": 1,
        }
        assert Decimal(entry["gases_t"]["CO2"]) == 2660 and Decimal(
            entry["gases_t"]["N2O"]
        ) == Decimal("0.1")

        # Territorial: scope 2 (grid electricity) counts zero; the GPC view shows it.
        territorial = (await client.get(f"{V1}/views/territorial", headers=oslo)).json()
        zero = {c["gpc_reference"] for c in territorial["counted_zero"]}
        assert {"I.1.2", "I.2.2", "II.1.2", "II.2.2"} <= zero
        scope2 = next(s for s in gpc["by_scope"] if s["key"] == "2")["co2e_mg"]
        assert scope2 == as_mg(Decimal(750 + 300 + 75 + 15))
        road = next(s for s in territorial["sectors"] if s["sector"] == "road_traffic")
        assert road["cells"] == ["II.1.1"]
        mapped = BASIC_CELLS - {"I.1.2", "I.2.2", "II.1.2", "II.2.2"} | {"V.1", "I.4.4"}
        assert territorial["total"]["co2e_mg"] == as_mg(expected_tonnes("AR5", mapped))

        # Publish: frozen. Any edit is a 409; the event is in the outbox with the totals.
        r = await client.post(f"{V1}/publish", headers=oslo)
        assert r.status_code == 200 and r.json()["status"] == "published"
        for attempt in (
            client.put(f"{V1}/entries/I.4.1", json=notation("C"), headers=oslo),
            client.delete(f"{V1}/entries/I.4.1", headers=oslo),
            client.post(f"{V1}/publish", headers=oslo),
            client.post(
                f"{BASE}/{YEAR}/import",
                content=b"gpc_reference,CO2\nI.4.1,1\n",
                headers={**oslo, "content-type": "text/csv"},
            ),
        ):
            r = await attempt
            assert r.status_code == 409, r.text
            assert r.json()["invalid-params"][0]["name"] in ("/path/version", "/query/new_version")
        published = await _outbox_events(app, "no.klimaby.inventory.published")
        assert len(published) == 1
        assert published[0]["data"]["basic_co2e_mg"] == gpc["basic"]["co2e_mg"]
        assert published[0]["data"]["version"] == 1 and published[0]["subject"].endswith(
            "/versions/1"
        )

        # Version 2 carries a change under AR6: CH4 and N2O weigh what AR6 says.
        r = await client.post(
            f"{BASE}/{YEAR}/versions", json={"gwp_set": "AR6", "note": "AR6"}, headers=oslo
        )
        assert r.status_code == 201 and r.json()["version"] == 2 and r.json()["status"] == "draft"
        r = await client.post(f"{BASE}/{YEAR}/versions", headers=oslo)
        assert r.status_code == 409  # one draft at a time
        v2 = f"{BASE}/{YEAR}/versions/2"
        gpc2 = (await client.get(f"{v2}/views/gpc", headers=oslo)).json()
        assert gpc2["basic"]["co2e_mg"] == as_mg(expected_tonnes("AR6", BASIC_CELLS))
        assert gpc2["basic"]["co2e_mg"] != gpc["basic"]["co2e_mg"]
        r = await client.put(f"{v2}/entries/II.3.1", json=reported(CO2="450"), headers=oslo)
        assert r.status_code == 200

        # Both versions stay readable: v1 as published, v2 with the change.
        v1_entry = (await client.get(f"{V1}/entries/II.3.1")).json()
        v2_entry = (await client.get(f"{v2}/entries/II.3.1", headers=oslo)).json()
        assert (
            Decimal(v1_entry["gases_t"]["CO2"]) == 500
            and Decimal(v2_entry["gases_t"]["CO2"]) == 450
        )
        assert (await client.get(f"{V1}/views/gpc")).json()["basic"] == gpc["basic"]

        # Who changed what, per version.
        trail = (await client.get(f"{v2}/audit", headers=oslo)).json()
        assert [c["action"] for c in trail] == ["version_created", "entry_set"]
        assert trail[1]["subject"] == f"test-{CITY}" and trail[1]["gpc_reference"] == "II.3.1"
        assert trail[1]["detail"]["before"]["co2e_mg"] == as_mg(Decimal(500))
        v1_trail = (await client.get(f"{V1}/audit")).json()
        assert (
            v1_trail[0]["action"] == "inventory_created" and v1_trail[-1]["action"] == "published"
        )
        assert len([c for c in v1_trail if c["action"] == "entry_set"]) == len(ENTRIES)

        # The public sees only the published version; the city sees its draft too.
        assert [v["version"] for v in (await client.get(f"{BASE}/{YEAR}/versions")).json()] == [1]
        assert [
            v["version"] for v in (await client.get(f"{BASE}/{YEAR}/versions", headers=oslo)).json()
        ] == [1, 2]
        assert (await client.get(f"{BASE}/{YEAR}")).json()["version"] == 1
        assert (await client.get(f"{BASE}/{YEAR}", headers=oslo)).json()["version"] == 2

        # A CSV import after publication opens the next version only when asked to.
        assert (await client.post(f"{v2}/publish", headers=oslo)).status_code == 200
        r = await client.post(
            f"{BASE}/{YEAR}/import",
            params={"new_version": "true"},
            content=b"gpc_reference,CO2,method,data_source\nI.4.1,12,plant report,operator\n",
            headers={**oslo, "content-type": "text/csv"},
        )
        assert r.status_code == 200 and r.json()["version"] == 3, r.text
        v3 = (await client.get(f"{BASE}/{YEAR}/versions/3", headers=oslo)).json()
        assert v3["gwp_set"] == "AR6" and v3["status"] == "draft"
        entry = next(e for e in v3["entries"] if e["gpc_reference"] == "I.4.1")
        assert entry["kind"] == "reported" and Decimal(entry["tco2e"]) == 12


async def _outbox_events(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
        )
        return [json.loads(payload) for (payload,) in rows]
