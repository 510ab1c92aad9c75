"""Inventory rules at the edges: who may read and write, what an entry may say (each error a 4xx
naming its field), factor versions pinned per entry, and electricity counting zero
territorially while the GPC view shows it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

BASE = "/v1/cities/tromso/inventories"
V1 = f"{BASE}/2024/versions/1"


def electricity(
    mwh: str, factor: dict[str, Any] | None = None, unit: str = "MWh"
) -> dict[str, Any]:
    return {
        "kind": "activity",
        "activities": [
            {
                "description": "metered grid electricity",
                "value": mwh,
                "unit": unit,
                "factors": [factor or {"id": "no-grid-location-2023"}],
            }
        ],
        "data_source": "grid operator",
        "data_quality": "measured",
    }


def names(r: httpx.Response) -> list[str]:
    return [p["name"] for p in r.json().get("invalid-params", [])]


async def test_access_entry_rules_pinned_factors_and_the_territorial_view_of_electricity(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    tromso = {"Authorization": f"Bearer {city_token('tromso')}"}
    oslo = {"Authorization": f"Bearer {city_token('oslo')}"}
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        # Writing needs a credential of the city (or admin).
        assert (await client.post(BASE, json={"year": 2024})).status_code == 401
        r = await client.post(BASE, json={"year": 2024}, headers=oslo)
        assert r.status_code == 403 and names(r) == ["/path/city"]
        r = await client.post("/v1/cities/atlantis/inventories", json={"year": 2024}, headers=admin)
        assert r.status_code == 404 and names(r) == ["/path/city"]
        r = await client.post(BASE, json={"year": 2024, "gwp_set": "AR4"}, headers=tromso)
        assert r.status_code == 422 and names(r) == ["/body/gwp_set"]
        assert (await client.post(BASE, json={"year": 2024}, headers=tromso)).status_code == 201
        r = await client.post(BASE, json={"year": 2024}, headers=admin)
        assert r.status_code == 409 and names(r) == ["/body/year"]

        # Drafts are not public, and never readable with another city's credential.
        r = await client.get(V1)
        assert r.status_code == 401 and names(r) == ["/path/version"]
        assert (await client.get(V1, headers=oslo)).status_code == 403
        assert (await client.get(f"{BASE}/2024")).status_code == 404
        assert (await client.get(BASE)).json() == []
        assert (await client.get(V1, headers=admin)).status_code == 200
        r = await client.put(f"{V1}/entries/I.1.2", json=electricity("100"), headers=oslo)
        assert r.status_code == 403

        # Each refusal names the field at fault.
        refused: list[tuple[str, dict[str, Any], str]] = [
            ("I.1.2", electricity("100", unit="L"), "/body/activities/0/unit"),
            ("I.1.2", electricity("100", {"id": "no-diesel"}), "/body/activities/0/factors/0/id"),
            ("I.1.2", electricity("100", {"id": "nope"}), "/body/activities/0/factors/0/id"),
            (
                "I.1.2",
                electricity("100", {"id": "no-grid-location-2023", "version": 9}),
                "/body/activities/0/factors/0/version",
            ),
            ("I.1.2", electricity("-1"), "/body/activities/0/value"),
            (
                "I.1.2",
                {"kind": "activity", "data_source": "x", "data_quality": "reported"},
                "/body/activities",
            ),
            (
                "I.1.2",
                {**electricity("1"), "emissions": {"CO2": "1"}},
                "/body/emissions",
            ),
            ("I.1.2", {**electricity("1"), "data_quality": None}, "/body/data_quality"),
            ("I.1.2", {**electricity("1"), "data_quality": "guessed"}, "/body/data_quality"),
            (
                "I.1.1",
                {
                    "kind": "reported",
                    "emissions": {"CO2": "5"},
                    "data_source": "x",
                    "data_quality": "reported",
                },
                "/body/method",
            ),
            (
                "I.1.1",
                {
                    "kind": "reported",
                    "emissions": {"XYZ": "5"},
                    "method": "m",
                    "data_source": "x",
                    "data_quality": "reported",
                },
                "/body/emissions/XYZ/[key]",
            ),
            (
                "I.1.1",
                {
                    "kind": "reported",
                    "emissions": {"CH4": "5"},
                    "method": "m",
                    "data_source": "x",
                    "data_quality": "reported",
                },
                "/body/ch4_fossil",
            ),
            (
                "I.1.1",
                {
                    "kind": "reported",
                    "emissions": {"CO2": "-5"},
                    "method": "m",
                    "data_source": "x",
                    "data_quality": "reported",
                },
                "/body/emissions/CO2",
            ),
            (
                "I.1.1",
                {"kind": "notation", "notation_key": "IE", "included_in": "I.1.1"},
                "/body/included_in",
            ),
            (
                "I.1.1",
                {"kind": "notation", "notation_key": "IE", "included_in": "Z.1"},
                "/body/included_in",
            ),
            (
                "I.1.1",
                {"kind": "notation", "notation_key": "NO", "included_in": "I.2.1"},
                "/body/included_in",
            ),
            ("I.1.1", {"kind": "notation", "notation_key": "XX"}, "/body/notation_key"),
            ("I.1.1", {"kind": "estimate"}, "/body/kind"),
        ]
        for cell, body, field in refused:
            r = await client.put(f"{V1}/entries/{cell}", json=body, headers=tromso)
            assert r.status_code == 422, (body, r.text)
            assert field in names(r), (body, names(r))
        r = await client.put(f"{V1}/entries/I.9.9", json=electricity("1"), headers=tromso)
        assert r.status_code == 422 and names(r) == ["/path/gpc_reference"]
        r = await client.put(
            f"{BASE}/2024/versions/7/entries/I.1.2", json=electricity("1"), headers=tromso
        )
        assert r.status_code == 404 and names(r) == ["/path/version"]
        r = await client.delete(f"{V1}/entries/I.1.2", headers=tromso)
        assert r.status_code == 404 and names(r) == ["/path/gpc_reference"]

        # A factor of another city's region does not apply here.
        plant = {
            "id": "oslo-plant",
            "name": "Oslo plant",
            "activity": "district_heating",
            "gpc_references": ["I.1.2"],
            "activity_unit": "kWh",
            "gas": "CO2",
            "value": "50",
            "mass_unit": "g",
            "region": "oslo",
            "valid_from_year": 2020,
            "source": "test",
        }
        assert (await client.post("/v1/factors", json=plant, headers=admin)).status_code == 201
        r = await client.put(
            f"{V1}/entries/I.1.2", json=electricity("1", {"id": "oslo-plant"}), headers=tromso
        )
        assert r.status_code == 422 and "region oslo" in r.json()["invalid-params"][0]["reason"]

        # A pinned version stays pinned when the factor is revised; an unpinned one is current.
        r = await client.put(
            f"{V1}/entries/I.1.2",
            json=electricity("100", {"id": "no-grid-location-2023", "version": 1}),
            headers=tromso,
        )
        assert r.status_code == 201, r.text
        revision = {"value": "20", "reason": "test revision"}
        r = await client.post(
            "/v1/factors/no-grid-location-2023/revisions", json=revision, headers=admin
        )
        assert r.status_code == 201, r.text
        r = await client.put(f"{V1}/entries/I.2.2", json=electricity("100"), headers=tromso)
        used = r.json()["activities"][0]["factors"][0]
        assert (used["id"], used["version"], Decimal(used["amount_t"])) == (
            "no-grid-location-2023",
            2,
            Decimal(2),  # 100 MWh x 20 g/kWh
        )
        entry = (await client.get(f"{V1}/entries/I.1.2", headers=tromso)).json()
        assert entry["activities"][0]["factors"][0]["version"] == 1
        assert Decimal(entry["tco2e"]) == Decimal("1.5")  # 100 MWh x 15 g/kWh

        # A city with only electricity: zero territorially, its scope 2 in the GPC view.
        gpc = (await client.get(f"{V1}/views/gpc", headers=tromso)).json()
        territorial = (await client.get(f"{V1}/views/territorial", headers=tromso)).json()
        assert Decimal(gpc["basic"]["tco2e"]) == Decimal("3.5")
        assert gpc["by_scope"] == [
            {"key": "2", "name": None, "co2e_mg": 3_500_000_000, "tco2e": "3.500000000"}
        ]
        assert territorial["total"]["co2e_mg"] == 0
        assert all(s["co2e_mg"] == 0 for s in territorial["sectors"])
        assert [c["gpc_reference"] for c in territorial["counted_zero"]] == ["I.1.2", "I.2.2"]
        assert "counts zero" in territorial["counted_zero"][0]["reason"]

        # Publishing an incomplete inventory is refused, naming what is missing.
        r = await client.post(f"{V1}/publish", headers=tromso)
        assert r.status_code == 409 and len(r.json()["missing"]) == 30


async def test_an_ie_key_a_stale_factor_and_a_gwp_mismatch_are_told(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    """An IE key must name a cell of the inventory's level; an older year's factor while the
    library holds a newer one is flagged stale_factor; a CO2e factor stated under AR5 in an
    AR6 inventory is flagged gwp_mismatch, in the entry and in completeness."""
    trondheim = {"Authorization": f"Bearer {city_token('trondheim')}"}
    base = "/v1/cities/trondheim/inventories"
    version = f"{base}/2024/versions/1"
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post(
            base, json={"year": 2024, "level": "BASIC", "gwp_set": "AR6"}, headers=trondheim
        )
        assert r.status_code == 201, r.text

        # I.1.3 is a BASIC+ cell: a BASIC inventory cannot hold I.2.1's emissions there.
        ie = {"kind": "notation", "notation_key": "IE", "included_in": "I.1.3"}
        r = await client.put(f"{version}/entries/I.2.1", json=ie, headers=trondheim)
        assert r.status_code == 422 and names(r) == ["/body/included_in"], r.text
        assert "BASIC+" in r.text
        ie["included_in"] = "I.1.1"
        r = await client.put(f"{version}/entries/I.2.1", json=ie, headers=trondheim)
        assert r.status_code == 201, r.text

        # 2022's grid factor in a 2024 inventory: 2023's exists, so it is stale; both are
        # CO2e under AR5 in an AR6 inventory.
        r = await client.put(
            f"{version}/entries/I.1.2",
            json=electricity("100", {"id": "no-grid-location-2022"}),
            headers=trondheim,
        )
        assert r.status_code == 201, r.text
        entry = r.json()
        assert entry["flags"] == ["gwp_mismatch", "stale_factor"]
        used = entry["activities"][0]["factors"][0]
        assert used["newer_factor"] == "no-grid-location-2023"
        r = await client.put(f"{version}/entries/I.2.2", json=electricity("100"), headers=trondheim)
        assert r.status_code == 201 and r.json()["flags"] == ["gwp_mismatch"], r.text
        assert Decimal(r.json()["tco2e"]) == Decimal("1.5")
        assert r.json()["tco2e"] == "1.500000000"

        completeness = (await client.get(f"{version}/completeness", headers=trondheim)).json()
        flagged = {(f["gpc_reference"], f["flag"]) for f in completeness["flags"]}
        assert flagged == {
            ("I.1.2", "stale_factor"),
            ("I.1.2", "gwp_mismatch"),
            ("I.2.2", "gwp_mismatch"),
        }
