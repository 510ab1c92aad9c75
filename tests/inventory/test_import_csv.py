"""CSV imports: every bad row is reported with its line and reason, the good rows are imported
(through the API on SQLite and PostgreSQL, and through ``klimaby import`` with a progress bar)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ServiceClientFactory

# These tests read the outbox table, never Kafka: without consumer and relay the service starts
# and stops at once, and the session's shared topics stay small.
OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}

AGENCY_SECTORS = [
    "Industri, olje og gass",
    "Energiforsyning",
    "Oppvarming",
    "Veitrafikk",
    "Sjøfart",
    "Luftfart",
    "Annen mobil forbrenning",
    "Jordbruk",
    "Avfall og avløp",
]
SLUGS = [
    "industry_oil_gas",
    "energy_supply",
    "heating",
    "road_traffic",
    "shipping",
    "aviation",
    "other_mobile_combustion",
    "agriculture",
    "waste_wastewater",
]
# How a bad line is spoiled, and the column the report must name.
SPOILERS: list[tuple[str, Callable[[list[str]], list[str]]]] = [
    ("year", lambda r: ["19x9", *r[1:]]),
    ("sector", lambda r: [r[0], "Romfart", *r[2:]]),
    ("tCO2e", lambda r: [*r[:3], "mye"]),
    ("tCO2e", lambda r: [*r[:3], "-5"]),
    ("source", lambda r: [r[0], r[1], "", r[3]]),
]


def agency_csv(rows: int, every: int = 397) -> tuple[str, list[tuple[int, str]], dict[str, int]]:
    """A 'Klimagassutslipp fra kommuner' file of ``rows`` lines (semicolons, decimal commas),
    a bad line every ``every`` lines. Returns (text, [(line, column)] of the bad lines, and the
    milligrams imported per sector for 2020)."""
    lines = ["År;Sektor;Kilde;Utslipp (tonn CO2-ekvivalenter)"]
    bad: list[tuple[int, str]] = []
    expected_2020: dict[str, int] = {}
    spoilers = itertools.cycle(SPOILERS)
    for n in range(rows):
        year = 1990 + n % 35
        sector = n // 35 % 9
        source = f"Kilde {n // 315}"
        tonnes = Decimal(n % 1000) + Decimal("0.125")
        row = [str(year), AGENCY_SECTORS[sector], source, str(tonnes).replace(".", ",")]
        line = n + 2  # the header is line 1
        if n % every == every - 1:
            column, spoil = next(spoilers)
            lines.append(";".join(spoil(row)))
            bad.append((line, column))
            continue
        lines.append(";".join(row))
        if year == 2020:
            slug = SLUGS[sector]
            expected_2020[slug] = expected_2020.get(slug, 0) + int(tonnes * 10**9)
    return "\n".join(lines) + "\n", bad, expected_2020


async def test_a_10000_row_agency_file_imports_the_good_rows_and_names_each_bad_line(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    text, bad, expected_2020 = agency_csv(10_000)
    oslo = {"Authorization": f"Bearer {city_token('oslo')}"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post(
            "/v1/cities/oslo/agency-statistics",
            content=text.encode(),
            headers={**oslo, "content-type": "text/csv"},
        )
        assert r.status_code == 207, r.text[:500]
        report = r.json()
        assert report["rows"] == 10_000 and report["rejected"] == len(bad) == 25
        assert report["imported"] == 10_000 - len(bad)
        assert [(p["line"], p["column"]) for p in report["problems"]] == bad
        reasons = {p["column"]: p["reason"] for p in report["problems"]}
        assert "'19x9' is not a year" in reasons["year"]
        assert "'Romfart' is not an agency sector" in reasons["sector"]

        lines = (
            await client.get("/v1/cities/oslo/agency-statistics", params={"year": 2020})
        ).json()
        totals: dict[str, int] = {}
        for line in lines:
            totals[line["sector"]] = totals.get(line["sector"], 0) + line["co2e_mg"]
        assert totals == expected_2020

        # The agency's figures appear beside our territorial view of the same year.
        r = await client.post("/v1/cities/oslo/inventories", json={"year": 2020}, headers=oslo)
        view = (
            await client.get(
                "/v1/cities/oslo/inventories/2020/versions/1/views/territorial", headers=oslo
            )
        ).json()
        assert {s["sector"]: s["agency_reported_co2e_mg"] for s in view["sectors"]} == {
            slug: expected_2020.get(slug) for slug in SLUGS
        }

        # Another city's credential cannot import for Oslo.
        r = await client.post(
            "/v1/cities/oslo/agency-statistics",
            content=text.encode(),
            headers={
                "Authorization": f"Bearer {city_token('bergen')}",
                "content-type": "text/csv",
            },
        )
        assert r.status_code == 403


GPC_TABLE = """gpc_reference;scope;notation_key;included_in;justification;CO2 (t);CH4 (t);N2O (t);tCO2e;ch4_fossil;data_source
I.1.1;1;;;;1200,5;0,25;;9999;true;SSB
I.1.2;2;;;;;;;;;
I.2.1;1;IE;I.1.1;;;;;;;
I.9.1;1;;;;5;;;;;
I.3.1;2;;;;5;;;;;
I.3.2;2;NE;;;;;;;;
I.4.1;1;NO;;;7;;;;;
I.5.1;1;;;;lots;;;;;
I.6.1;1;;;;-3;;;;;
I.1.1;1;NO;;;;;;;;
I.2.2;2;IE;;;;;;;;
III.1.1;1;;;;;12;;;maybe;
III.4.1;1;;;;;3;0,4;;false;waterworks
V.2;1;;;;-150;;;;;forest inventory
"""
# Line → the column the report must name (the header is line 1).
GPC_TABLE_BAD = {
    5: "gpc_reference",  # I.9.1: no such cell
    6: "scope",  # I.3.1 is scope 1
    7: "justification",  # NE without a justification
    8: "notation_key",  # a notation key and an amount
    9: "CO2",  # not a number
    10: "CO2",  # negative outside AFOLU
    11: "gpc_reference",  # I.1.1 twice
    12: "included_in",  # IE without the cell
    13: "ch4_fossil",  # not a boolean
}


async def test_a_gpc_table_csv_imports_good_rows_and_reports_bad_ones(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    headers = {"Authorization": f"Bearer {city_token('trondheim')}", "content-type": "text/csv"}
    url = "/v1/cities/trondheim/inventories/2022/import"
    async with service_client("inventory", **OFFLINE) as (_app, client):
        r = await client.post(url, params={"gwp_set": "AR6"}, content=GPC_TABLE, headers=headers)
        assert r.status_code == 207, r.text
        report = r.json()
        assert {p["line"]: p["column"] for p in report["problems"]} == GPC_TABLE_BAD
        assert report["imported"] == 4 and report["skipped"] == 1 and report["version"] == 1
        version = (
            await client.get("/v1/cities/trondheim/inventories/2022/versions/1", headers=headers)
        ).json()
        assert version["gwp_set"] == "AR6" and version["status"] == "draft"
        entries = {e["gpc_reference"]: e for e in version["entries"]}
        assert set(entries) == {"I.1.1", "I.2.1", "III.4.1", "V.2"}
        # tCO2e is computed from the gases (AR6, fossil CH4), never taken from the file.
        assert Decimal(entries["I.1.1"]["tco2e"]) == Decimal("1200.5") + Decimal("0.25") * Decimal(
            "29.8"
        )
        assert (
            entries["I.2.1"]["notation_key"] == "IE" and entries["I.2.1"]["included_in"] == "I.1.1"
        )
        assert Decimal(entries["V.2"]["tco2e"]) == -150  # a sink, allowed in AFOLU
        assert entries["III.4.1"]["data_quality"] == "reported"

        # A file whose every row is bad is a 422 naming each line; nothing is imported.
        r = await client.post(url, content="gpc_reference,CO2\nX.1,1\nI.1.1,abc\n", headers=headers)
        assert r.status_code == 422
        assert [p["name"] for p in r.json()["invalid-params"]] == [
            "/body/lines/2/gpc_reference",
            "/body/lines/3/CO2",
        ]
        r = await client.post(url, content="reference_missing,CO2\nI.1.1,1\n", headers=headers)
        assert r.status_code == 422 and r.json()["invalid-params"][0]["name"] == "/body/header"
        r = await client.post(
            url, content=GPC_TABLE, headers={**headers, "content-type": "application/json"}
        )
        assert r.status_code == 415


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, seeded SQLite inventory database that ``klimaby`` will use."""
    from services.cli import migrate_services, seed_services

    url = f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", url)
    monkeypatch.delenv("KLIMABY_DATABASE_URL", raising=False)
    asyncio.run(migrate_services(["inventory"]))
    asyncio.run(seed_services(["inventory"], demo=False))
    return url


def test_klimaby_import_shows_progress_and_reports_each_bad_line(
    cli_database: str, tmp_path: Path
) -> None:
    from services.cli import app

    text, bad, _expected = agency_csv(10_000)
    path = tmp_path / "kommune.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "agency", str(path), "--city", "stavanger"])
    output = result.output
    assert result.exit_code == 1, output  # some rows were rejected (the good ones imported)
    assert "10000/10000" in output  # the progress bar reached the end
    for line, column in bad:
        assert f"line {line} [{column}]:" in output
    assert f"{10_000 - len(bad)} of 10000 rows imported; {len(bad)} rejected" in output

    gpc = tmp_path / "gpc.csv"
    gpc.write_text("gpc_reference,CO2,data_source\nII.1.1,1500,road model\nII.4.1,,\n")
    result = CliRunner().invoke(
        app, ["import", "inventory", str(gpc), "--city", "stavanger", "--year", "2021"]
    )
    assert result.exit_code == 0, result.output
    assert "1 of 2 rows imported into version 1; 0 rejected, 1 empty" in result.output

    result = CliRunner().invoke(
        app, ["import", "inventory", str(gpc), "--city", "nowhere", "--year", "2021"]
    )
    assert result.exit_code == 2 and "no city 'nowhere'" in result.output
