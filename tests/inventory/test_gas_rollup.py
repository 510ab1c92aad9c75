"""The live GPC view's breakdown by gas comes from a roll-up (per city, local month and gas) that the
accounting and the recalculations keep; here it is checked against the sum over the accounted
parts themselves (what the view read before), after accounting, after a revision that changes
the factor's gas, after a factor added for waiting readings, and after migration 0010 built it
from parts written before it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text

from services.inventory.accounting.models import AccountedPart, EmissionGasMonth
from shared.db import Database
from shared.localtime import year_start
from shared.migrations import upgrade
from tests.conftest import ServiceClientFactory
from tests.inventory.test_accounting_live import API_ONLY, account, mg, reading
from tests.inventory.test_recalculation import setup

MIGRATIONS = Path(__file__).parents[2] / "services" / "inventory" / "migrations"


async def parts_by_gas(app: FastAPI, city: str, year: int) -> dict[str, int]:
    """Straight from the parts, over the city's local year (Oslo's zone in these tests)."""
    p = AccountedPart
    start, end = year_start(year, "Europe/Oslo"), year_start(year + 1, "Europe/Oslo")
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            select(p.gas, func.sum(p.co2e_mg))
            .where(p.city == city, p.hour >= start, p.hour < end, p.co2e_mg.is_not(None))
            .group_by(p.gas)
        )
        return {str(gas): int(total) for gas, total in rows}


async def view_by_gas(client: httpx.AsyncClient, city: str, year: int) -> dict[str, int]:
    r = await client.get(f"/v1/cities/{city}/live/views/gpc", params={"year": year})
    assert r.status_code == 200, r.text
    return {g["key"]: g["co2e_mg"] for g in r.json()["by_gas"]}


async def test_the_gas_roll_up_follows_accounting_and_a_revision_that_changes_the_gas(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **API_ONLY) as (app, client):
        north, _south, revised, _untouched = await setup(app, client, admin_token)
        before = await view_by_gas(client, north, 2023)
        assert before == await parts_by_gas(app, north, 2023)
        assert before["CO2e"] >= sum(mg(x.value, 12) for x in revised)

        # The zone's grid factor declared as CO2 instead of CO2e: its readings' mg move gas.
        r = await client.post(
            "/v1/factors/test-no1-grid-2023/revisions",
            json={"reason": "declared as fossil CO2 only", "gas": "CO2", "value": "10.5"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        after = await view_by_gas(client, north, 2023)
        assert after == await parts_by_gas(app, north, 2023)
        moved = sum(mg(x.value, 12) for x in revised)
        assert after.get("CO2e", 0) == before["CO2e"] - moved
        assert after["CO2"] == before.get("CO2", 0) + sum(mg(x.value, "10.5") for x in revised)
        if after.get("CO2e", 0) == 0:
            assert "CO2e" not in after  # no part has it any more: the gas is not listed
        # The other year's readings kept their gas.
        assert await view_by_gas(client, north, 2022) == await parts_by_gas(app, north, 2022)


async def test_the_gas_roll_up_counts_waiting_readings_when_their_factor_arrives(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **API_ONLY) as (app, client):
        r = await client.post(
            "/v1/cities",
            json={"slug": "gasby", "name": "Gasby", "bidding_zone": "NO1"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code in (201, 409), r.text
        city = "gasby"
        hour = datetime(2024, 5, 2, 10, tzinfo=UTC)
        heat = reading(city, hour, 80.0, sensor="dh", carrier="district_heating")
        await account(app, [heat, reading(city, hour, 50.0)])
        assert await view_by_gas(client, city, 2024) == await parts_by_gas(app, city, 2024)
        r = await client.post(
            "/v1/factors",
            json={
                "id": "gasby-district-heating",
                "name": "District heating, the city's plant (CH4 only, for the test)",
                "activity": "district_heating",
                "gpc_references": ["I.1.2", "I.2.2"],
                "activity_unit": "kWh",
                "gas": "CH4",
                "value": "0.5",
                "mass_unit": "g",
                "gwp_set": "AR5",
                "region": city,
                "valid_from_year": 2019,
                "source": "test data",
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert r.status_code == 201, r.text
        gases = await view_by_gas(client, city, 2024)
        assert gases == await parts_by_gas(app, city, 2024)
        assert set(gases) == {"CO2e", "CH4"} and gases["CH4"] > 0


async def test_migration_0010_builds_the_gas_roll_up_from_existing_parts(
    database_url: str, unique_schema: str
) -> None:
    schema = unique_schema if database_url.startswith("postgres") else None
    db = Database(database_url, schema)
    try:
        await upgrade(db, MIGRATIONS, "0005_factor_valid_to_year")
        # 23:00 UTC on 31 December 2022 is 00:00 on 1 January 2023 in Oslo.
        new_year_hour = datetime(2022, 12, 31, 23, tzinfo=UTC)
        parts = [
            ("r1", new_year_hour, "CO2", 1_000),
            ("r2", new_year_hour + timedelta(hours=1), "CO2", 2_000),
            ("r3", new_year_hour - timedelta(hours=5), "CO2", 4_000),  # December, locally
            ("r4", new_year_hour, "CH4", 8_000),
            ("r5", new_year_hour, None, None),  # waiting for its factor: in no gas
        ]
        async with db.engine.begin() as conn:
            if schema:
                await conn.execute(text(f'SET search_path TO "{schema}"'))
            now = datetime.now(UTC)
            await conn.execute(
                text(
                    "INSERT INTO cities (slug, name, country, mission_city, created_at, time_zone)"
                    " VALUES ('oslo', 'Oslo', 'NO', false, :now, 'Europe/Oslo')"
                ),
                {"now": now},
            )
            for reading_id, hour, gas, amount in parts:
                await conn.execute(
                    text(
                        "INSERT INTO accounted_reading_parts (reading_id, part, city,"
                        " gpc_reference, scope, hour, part_start, part_end, local_year, activity,"
                        " activity_value, activity_unit, gas, co2e_mg, status) VALUES (:id, 0,"
                        " 'oslo', 'I.1.2', 2, :hour, :hour, :hour, 2023, 'electricity_grid', 1,"
                        " 'kWh', :gas, :mg, :status)"
                    ),
                    {
                        "id": reading_id,
                        "hour": hour,
                        "gas": gas,
                        "mg": amount,
                        "status": "accounted" if amount is not None else "no_factor",
                    },
                )
        await upgrade(db, MIGRATIONS)
        async with db.transaction() as session:
            g = EmissionGasMonth
            rows = (
                await session.execute(
                    select(g.month, g.gas, g.parts, g.co2e_mg).order_by(g.month, g.gas)
                )
            ).all()
        january, december = year_start(2023, "Europe/Oslo"), datetime(2022, 11, 30, 23, tzinfo=UTC)
        assert [tuple(r) for r in rows] == [
            (december, "CO2", 1, 4_000),
            (january, "CH4", 1, 8_000),
            (january, "CO2", 2, 3_000),
        ]
    finally:
        await db.dispose()
