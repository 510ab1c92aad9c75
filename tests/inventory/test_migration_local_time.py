"""Migration 0006 on data written before it (SQLite and PostgreSQL): the monthly roll-up is
recomputed in the city's local months and every accounted reading gets its one part."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from services.inventory.accounting.models import AccountedPart, EmissionMonth
from shared.db import Database
from shared.migrations import upgrade

MIGRATIONS = Path(__file__).parents[2] / "services" / "inventory" / "migrations"


async def test_existing_roll_up_moves_to_local_months_and_readings_get_a_part(
    database_url: str, unique_schema: str
) -> None:
    schema = unique_schema if database_url.startswith("postgres") else None
    db = Database(database_url, schema)
    try:
        await upgrade(db, MIGRATIONS, "0005_import_runs")
        # 23:00 UTC on 31 December 2022 is 00:00 on 1 January 2023 in Oslo.
        new_year_hour = datetime(2022, 12, 31, 23, tzinfo=UTC)
        earlier_hour = datetime(2022, 12, 31, 10, tzinfo=UTC)
        async with db.engine.begin() as conn:
            if schema:
                await conn.execute(text(f'SET search_path TO "{schema}"'))
            now = datetime.now(UTC)
            await conn.execute(
                text(
                    "INSERT INTO cities (slug, name, country, mission_city, created_at) "
                    "VALUES ('oslo', 'Oslo', 'NO', false, :now)"
                ),
                {"now": now},
            )
            for i, hour in enumerate((earlier_hour, new_year_hour)):
                await conn.execute(
                    text(
                        "INSERT INTO emission_buckets (city, gpc_reference, scope, hour, readings,"
                        " co2e_mg, updated_at) VALUES ('oslo', 'I.1.2', 2, :hour, 1, :mg, :now)"
                    ),
                    {"hour": hour, "mg": 1000 + i, "now": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO accounted_readings (reading_id, sensor_id, city,"
                        " gpc_reference, scope, hour, observed_at, activity, activity_value,"
                        " activity_unit, co2e_mg, status, accounted_at) VALUES (:id, 's', 'oslo',"
                        " 'I.1.2', 2, :hour, :hour, 'electricity_grid', 1, 'kWh', :mg,"
                        " 'accounted', :now)"
                    ),
                    {"id": f"r{i}", "hour": hour, "mg": 1000 + i, "now": now},
                )
            # The roll-up as it was: one UTC month, December 2022.
            await conn.execute(
                text(
                    "INSERT INTO emission_months (city, gpc_reference, scope, month, readings,"
                    " co2e_mg, updated_at) VALUES ('oslo', 'I.1.2', 2, :month, 2, 2001, :now)"
                ),
                {"month": datetime(2022, 12, 1, tzinfo=UTC), "now": now},
            )

        await upgrade(db, MIGRATIONS)

        async with db.engine.begin() as conn:
            if schema:
                await conn.execute(text(f'SET search_path TO "{schema}"'))
            months = EmissionMonth.__table__  # type: ignore[attr-defined]
            rows = (await conn.execute(select(months.c.month, months.c.co2e_mg))).all()
            assert sorted((m.astimezone(UTC), mg) for m, mg in rows) == [
                (datetime(2022, 11, 30, 23, tzinfo=UTC), 1000),  # December 2022 in Oslo
                (datetime(2022, 12, 31, 23, tzinfo=UTC), 1001),  # January 2023 in Oslo
            ]
            parts = AccountedPart.__table__  # type: ignore[attr-defined]
            got = (
                await conn.execute(
                    select(
                        parts.c.reading_id, parts.c.part, parts.c.local_year, parts.c.co2e_mg
                    ).order_by(parts.c.reading_id)
                )
            ).all()
            assert [tuple(r) for r in got] == [("r0", 0, 2022, 1000), ("r1", 0, 2023, 1001)]
            zone = (await conn.execute(text("SELECT time_zone FROM cities"))).scalar_one()
            assert zone == "Europe/Oslo"
    finally:
        await db.dispose()
