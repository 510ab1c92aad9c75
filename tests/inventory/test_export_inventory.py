"""Exporting an inventory version in the GPC table layout, as CSV and JSON, and importing the
export again to the same totals."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

from services.inventory.gpc.catalogue import CELLS
from services.inventory.imports.export import COLUMNS
from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

TABLE = """gpc_reference,notation_key,included_in,justification,CO2,CH4,N2O,ch4_fossil,method,data_source,data_quality
I.1.1,,,,310.25,0.5,0.01,true,fuel sales,SSB,reported
I.2.1,IE,I.1.1,,,,,,,,
I.3.1,NE,,no data from the industrial park,,,,,,,
III.1.1,,,,,40,,false,first-order decay model,landfill operator,estimated
"""


async def test_a_version_exports_as_csv_and_json_and_imports_again_to_the_same_totals(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    auth = {"Authorization": f"Bearer {city_token('stavanger')}"}
    csv_body = {**auth, "content-type": "text/csv"}
    base = "/v1/cities/stavanger/inventories"
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post(f"{base}/2022/import", content=TABLE, headers=csv_body)
        assert r.status_code == 200 and r.json()["imported"] == 4, r.text
        electricity = {
            "kind": "activity",
            "activities": [
                {"value": "2000", "unit": "MWh", "factors": [{"id": "no-grid-location-2022"}]}
            ],
            "data_source": "grid operator",
            "data_quality": "measured",
        }
        r = await client.put(
            f"{base}/2022/versions/1/entries/I.1.2", json=electricity, headers=auth
        )
        assert r.status_code == 201, r.text

        export_url = f"{base}/2022/versions/1/export"
        assert (await client.get(export_url)).status_code == 401  # a draft is not public
        r = await client.get(export_url, headers=auth)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "stavanger-2022-v1.csv" in r.headers["content-disposition"]
        exported = r.text
        rows = list(csv.DictReader(io.StringIO(exported)))
        assert list(rows[0]) == list(COLUMNS)
        assert [row["gpc_reference"] for row in rows] == [c.reference for c in CELLS]
        by_ref = {row["gpc_reference"]: row for row in rows}
        assert by_ref["I.1.1"]["CO2"] == "310.25" and by_ref["I.1.1"]["CH4"] == "0.5"
        assert Decimal(by_ref["I.1.1"]["tCO2e"]) == Decimal("310.25") + 14 + Decimal("2.65")
        # tCO2e in its one representation (9 places); the gas column as the file gave it.
        assert by_ref["I.1.2"]["CO2e"] == "38" and by_ref["I.1.2"]["tCO2e"] == "38.000000000"
        assert by_ref["I.1.2"]["method"].startswith("activity data x emission factors")
        assert (by_ref["I.2.1"]["notation_key"], by_ref["I.2.1"]["included_in"]) == ("IE", "I.1.1")
        assert by_ref["I.3.1"]["justification"] == "no data from the industrial park"
        assert by_ref["III.1.1"]["data_source"] == "landfill operator"
        assert by_ref["II.1.1"]["tCO2e"] == "" and by_ref["II.1.1"]["scope"] == "1"

        r = await client.get(export_url, params={"format": "json"}, headers=auth)
        document = r.json()
        assert (document["city"], document["year"], document["version"]) == ("stavanger", 2022, 1)
        assert document["columns"] == list(COLUMNS) and len(document["rows"]) == len(CELLS)
        json_row = next(row for row in document["rows"] if row["gpc_reference"] == "I.1.1")
        assert json_row["tCO2e"] == by_ref["I.1.1"]["tCO2e"] and json_row["ch4_fossil"] is True

        # The exported table imports again (another year) to exactly the same totals.
        r = await client.post(f"{base}/2021/import", content=exported, headers=csv_body)
        assert r.status_code == 200, r.text
        assert r.json()["imported"] == 5 and r.json()["skipped"] == len(CELLS) - 5
        views = [
            (await client.get(f"{base}/{year}/versions/1/views/gpc", headers=auth)).json()
            for year in (2022, 2021)
        ]
        assert views[0]["basic"] == views[1]["basic"] and views[0]["by_gas"] == views[1]["by_gas"]
