"""Each service's PostgreSQL connections say which service they are (``application_name``), so
an operator reading ``pg_stat_activity`` or the server's log sees who holds a lock or runs a
slow query; the schema setting is kept beside it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.registry import SERVICE_NAMES, SERVICES
from shared.service import database_for


@pytest.mark.postgres
@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_a_services_connections_name_the_service(
    name: str, pg_database: str, unique_schema: str
) -> None:
    settings = SERVICES[name].settings(database_url=pg_database, database_schema=unique_schema)
    database = database_for(settings)
    try:
        async with database.engine.connect() as conn:
            shown = (await conn.execute(text("SHOW application_name"))).scalar()
            path = (await conn.execute(text("SHOW search_path"))).scalar()
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
            # What another session sees of this one.
            seen = (
                await conn.execute(
                    text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid},
                )
            ).scalar()
    finally:
        await database.dispose()
    assert shown == seen == f"klimaby-{name}"
    assert path == unique_schema
