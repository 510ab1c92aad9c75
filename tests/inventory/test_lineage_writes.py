"""How a batch's lineage is written: a batch of new readings straight into the tables, one that
holds readings accounted before without them, one that races another transaction through the
staging tables (PostgreSQL), with the same outcome every way; and the indexes the migrations
leave are the models' (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select, text

from services.inventory.accounting import lineage
from services.inventory.accounting.models import AccountedPart, AccountedReading, EmissionBucket
from services.inventory.accounting.repository import AccountingRepository
from tests.conftest import ServiceClientFactory
from tests.inventory.test_accounting_live import API_ONLY, account, mg, reading, register_city


async def lineage_counts(app: Any, city: str) -> tuple[int, int, int, int]:
    """Readings and parts stored for the city, and what its buckets hold (readings, mg)."""
    async with app.state.db.transaction() as session:
        readings = await session.scalar(
            select(func.count()).where(AccountedReading.city == city)  # type: ignore[arg-type]
        )
        parts = await session.scalar(
            select(func.count()).where(AccountedPart.city == city)  # type: ignore[arg-type]
        )
        n, total = (
            await session.execute(
                select(func.sum(EmissionBucket.readings), func.sum(EmissionBucket.co2e_mg)).where(
                    EmissionBucket.city == city  # type: ignore[arg-type]
                )
            )
        ).one()
    return int(readings or 0), int(parts or 0), int(n or 0), int(total or 0)


async def test_a_batch_holding_readings_accounted_before_counts_only_its_new_ones(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    """The readings seen before come first in one batch and last in another (the direct copy
    fails on its first row, or on its last, and the batch is copied again without them): only
    the new ones are counted, with their parts; a batch seen before in full changes nothing."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
        first = [reading(city, hour + timedelta(minutes=i), 10.0) for i in range(3)]
        assert (await account(app, first)).new == 3
        assert await lineage_counts(app, city) == (3, 3, 3, 3 * mg(10.0, 15))

        later = [reading(city, hour + timedelta(minutes=10 + i), 2.0) for i in range(2)]
        result = await account(app, [first[0], first[1], *later])
        assert (result.new, result.duplicates) == (2, 2)
        assert {str(a.reading.reading_id) for a in result.accounted} == {
            str(r.reading_id) for r in later
        }

        last = reading(city, hour + timedelta(minutes=20), 4.0)
        result = await account(app, [last, first[2]])
        assert (result.new, result.duplicates) == (1, 1)

        replayed = await account(app, [*first, *later, last])
        assert (replayed.new, replayed.duplicates, replayed.changes) == (0, 6, {})

        expected_mg = 3 * mg(10.0, 15) + 2 * mg(2.0, 15) + mg(4.0, 15)
        assert await lineage_counts(app, city) == (6, 6, 6, expected_mg)
        # Whatever way a batch was written, the next batch of new readings goes straight in.
        assert (await account(app, [reading(city, hour + timedelta(minutes=30), 1.0)])).new == 1
        assert await lineage_counts(app, city) == (7, 7, 7, expected_mg + mg(1.0, 15))


async def test_the_migrated_lineage_tables_have_the_models_indexes(
    service_client: ServiceClientFactory,
) -> None:
    """Migration 0012 leaves the readings their primary key alone and the parts the index of
    those waiting for a factor, as the models declare."""

    def index_names(sync_conn: Any, table: str) -> set[str]:
        return {ix["name"] for ix in inspect(sync_conn).get_indexes(table)}

    async with (
        service_client("inventory", **API_ONLY) as (app, _client),
        app.state.db.engine.connect() as conn,
    ):
        for model in (AccountedReading, AccountedPart):
            table = model.__table__  # type: ignore[attr-defined]
            migrated = await conn.run_sync(index_names, table.name)
            assert migrated == {ix.name for ix in table.indexes}, table.name
        assert await conn.run_sync(index_names, "accounted_readings") == set()


async def test_reading_ids_compare_byte_for_byte(
    service_client: ServiceClientFactory, database_url: str
) -> None:
    """Migrations 0013 (inventory) and 0007 (sensors) leave the reading ids of the tables every
    reading writes in collation "C" on PostgreSQL, as the models declare, and the lookups that
    bind the ids as plain text still go through the primary key. SQLite compares bytes already:
    the columns there keep its default (BINARY)."""

    def collations(sync_conn: Any, table: str) -> str | None:
        column = next(c for c in inspect(sync_conn).get_columns(table) if c["name"] == "reading_id")
        return getattr(column["type"], "collation", None)

    expected = "C" if database_url.startswith("postgres") else None
    for service, tables in (
        ("inventory", ("accounted_readings", "accounted_reading_parts")),
        ("sensors", ("accepted_readings",)),
    ):
        async with (
            service_client(service, **API_ONLY) as (app, _client),
            app.state.db.engine.connect() as conn,
        ):
            for table in tables:
                assert await conn.run_sync(collations, table) == expected, table
        if service != "inventory" or expected is None:
            continue
        async with (
            service_client(service, **API_ONLY) as (app, _client),
            app.state.db.transaction() as session,
        ):
            await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            connection = await session.connection()
            pg = (await connection.get_raw_connection()).driver_connection
            some = "'00000000-0000-5000-8000-000000000000'"
            for sql, values in (
                (lineage._ALREADY_ACCOUNTED, f"ARRAY[{some}]"),
                (lineage._ANY_ACCOUNTED, f"{some}, {some}"),
            ):
                await pg.execute(f"PREPARE lookup AS {sql}")
                plan = "\n".join(r[0] for r in await pg.fetch(f"EXPLAIN EXECUTE lookup({values})"))
                await pg.execute("DEALLOCATE lookup")
                assert "accounted_readings_pkey" in plan, plan


async def test_parts_waiting_for_a_factor_are_found_through_their_partial_index(
    service_client: ServiceClientFactory, admin_token: str, database_url: str
) -> None:
    """The repository's query names the status in its SQL, so even a prepared statement's
    generic plan (PostgreSQL) can use the partial index of the parts without a factor; on both
    databases it finds them."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        heat = reading(city, hour, 3.0, carrier="district_heating", sensor="heat-1")
        result = await account(app, [heat, reading(city, hour, 1.0)])
        assert (result.new, result.unaccounted) == (2, 1)
        waiting_for = result.accounted[0].activity
        assert waiting_for is not None

        statements: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            statements.append((statement, parameters))

        engine = app.state.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", grab)
        try:
            async with app.state.db.transaction() as session:
                page = await AccountingRepository(session).readings_without_factor(
                    waiting_for.name, "", 500
                )
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        assert [p.reading_id for p in page] == [str(heat.reading_id)]
        if not database_url.startswith("postgres"):
            return
        (sql, parameters), *_ = [s for s in statements if "accounted_reading_parts" in s[0]]
        values = ", ".join(
            str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
            for v in parameters
        )
        async with app.state.db.transaction() as session:
            await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            connection = await session.connection()
            pg = (await connection.get_raw_connection()).driver_connection
            await pg.execute(f"PREPARE waiting AS {sql}")
            plan = "\n".join(r[0] for r in await pg.fetch(f"EXPLAIN EXECUTE waiting({values})"))
            await pg.execute("DEALLOCATE waiting")
        assert "ix_part_no_factor" in plan, plan


async def test_a_reading_committed_after_the_lookup_goes_the_staged_way(
    service_client: ServiceClientFactory, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch that fails the direct copy looks up its readings accounted before;
    one committed by another transaction right after that lookup fails the second copy too, and
    the batch then goes through the staging tables. Simulated by a lookup that finds nothing:
    the new reading is counted once, the one seen before not again (SQLite: the same outcome)."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        before = reading(city, hour, 10.0)
        assert (await account(app, [before])).new == 1
        monkeypatch.setattr(
            lineage,
            "_ALREADY_ACCOUNTED",
            "SELECT reading_id FROM accounted_readings WHERE $1::varchar[] IS NULL",
        )
        new = reading(city, hour + timedelta(minutes=5), 2.0)
        result = await account(app, [new, before])
        assert (result.new, result.duplicates) == (1, 1)
        assert [str(a.reading.reading_id) for a in result.accounted] == [str(new.reading_id)]
        assert await lineage_counts(app, city) == (2, 2, 2, mg(10.0, 15) + mg(2.0, 15))


async def test_every_kind_of_reading_has_the_parts_its_lineage_rows_give(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    """Point readings, an interval that ends where it starts, intervals within one clock hour
    and over several (across a turn of the year in the city's time), a reading without activity
    (a traffic counter without its road segment) and district heating, which waits for its plant's
    factor: the parts
    stored, however written (on PostgreSQL a one-part reading's part is written from its
    reading's row), are column for column the rows ``LineageRows.parts`` gives."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
        new_year = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC) - timedelta(hours=2)
        batch = [
            reading(city, hour + timedelta(minutes=7), 10.25),
            reading(city, hour + timedelta(minutes=8), 0.0, sensor="m2"),
            reading(city, hour, 3.5, sensor="m3").model_copy(
                update={"interval_end": hour - timedelta(minutes=1)}
            ),
            reading(city, hour + timedelta(minutes=10), 7.0, sensor="m4").model_copy(
                update={"interval_end": hour + timedelta(minutes=50)}
            ),
            reading(city, hour + timedelta(minutes=30), 11.0, sensor="m5").model_copy(
                update={"interval_end": hour + timedelta(hours=3, minutes=5)}
            ),
            reading(city, new_year + timedelta(minutes=20), 5.0, sensor="m6").model_copy(
                update={"interval_end": new_year + timedelta(hours=2, minutes=20)}
            ),
            reading(city, hour, 40.0, sensor="t1", kind="traffic_counter"),
            reading(city, hour + timedelta(minutes=3), 2.0, sensor="f1", carrier="petrol"),
            reading(
                city, hour + timedelta(minutes=4), 80.0, sensor="dh", carrier="district_heating"
            ),
            reading(
                city, hour + timedelta(minutes=5), 9.0, sensor="dh2", carrier="district_heating"
            ).model_copy(update={"interval_end": hour + timedelta(hours=2)}),
        ]
        result = await account(app, batch)
        assert result.new == len(batch)
        rows = lineage.LineageRows()
        expected = {
            (part[0], part[1]): part
            for a in result.accounted
            for part in rows.parts(a, str(a.reading.reading_id))
        }
        statuses = {part[lineage.PART_COLUMNS.index("status")] for part in expected.values()}
        assert statuses == {"accounted", "no_activity", "no_factor"}
        assert len(expected) > len(batch)  # the intervals over several hours have more parts
        async with app.state.db.transaction() as session:
            stored = (
                await session.execute(
                    select(*(AccountedPart.__table__.c[c] for c in lineage.PART_COLUMNS)).where(  # type: ignore[attr-defined]
                        AccountedPart.city == city  # type: ignore[arg-type]
                    )
                )
            ).all()
        assert len(stored) == len(expected)
        for row in stored:
            want = expected[(row[0], row[1])]
            for column, got, value in zip(lineage.PART_COLUMNS, row, want, strict=True):
                assert got == value, (column, got, value)


async def test_every_kind_of_reading_is_stored_as_its_lineage_row_gives(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    """The readings' rows, however written (on PostgreSQL the database works out a staged
    reading's hour from its time, takes the batch's ``accounted_at`` as a parameter and its
    activity as text), are column for column the rows ``LineageRows.reading`` gives, one
    ``accounted_at`` for the whole batch: points, an interval that ends where it starts, within
    one clock hour and over several, a reading without activity and one waiting for a factor."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
        batch = [
            reading(city, hour + timedelta(minutes=7, seconds=13, microseconds=250), 10.25),
            reading(city, hour + timedelta(minutes=8), 0.0, sensor="m2"),
            reading(city, hour + timedelta(minutes=9), 0.000000001, sensor="m7"),
            reading(city, hour + timedelta(minutes=11), 123456.789012345, sensor="m8"),
            reading(city, hour, 3.5, sensor="m3").model_copy(
                update={"interval_end": hour - timedelta(minutes=1)}
            ),
            reading(city, hour + timedelta(minutes=10), 7.0, sensor="m4").model_copy(
                update={"interval_end": hour + timedelta(minutes=50)}
            ),
            reading(city, hour + timedelta(minutes=30), 11.0, sensor="m5").model_copy(
                update={"interval_end": hour + timedelta(hours=3, minutes=5)}
            ),
            reading(city, hour, 40.0, sensor="t1", kind="traffic_counter"),
            reading(
                city, hour + timedelta(minutes=4), 80.0, sensor="dh", carrier="district_heating"
            ),
        ]
        result = await account(app, batch)
        assert result.new == len(batch)
        async with app.state.db.transaction() as session:
            stored = (
                await session.execute(
                    select(
                        *(AccountedReading.__table__.c[c] for c in lineage.READING_COLUMNS)  # type: ignore[attr-defined]
                    ).where(AccountedReading.city == city)  # type: ignore[arg-type]
                )
            ).all()
        at = lineage.READING_COLUMNS.index("accounted_at")
        assert len({row[at] for row in stored}) == 1
        rows = lineage.LineageRows()
        expected = {
            str(a.reading.reading_id): rows.reading(a, stored[0][at]) for a in result.accounted
        }
        assert len(stored) == len(expected)
        for row in stored:
            want = expected[row[0]]
            for column, got, value in zip(lineage.READING_COLUMNS, row, want, strict=True):
                assert got == value, (column, got, value)


async def test_a_replayed_batch_is_looked_up_without_failing_the_straight_insert(
    service_client: ServiceClientFactory, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch accounted before in full (a replay after a restart) is told by its first or last
    reading: on PostgreSQL it is looked up at once, never tried straight in (whose refusal would
    be an ERROR line in the server's log), and changes nothing."""
    async with service_client("inventory", **API_ONLY) as (app, client):
        city = await register_city(client, admin_token)
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        batch = [reading(city, hour + timedelta(minutes=i), 1.5) for i in range(4)]
        assert (await account(app, batch)).new == 4
        before = await lineage_counts(app, city)
        tried: list[int] = []
        straight_in = lineage._insert_straight_in

        async def counting(*args: Any) -> bool:
            tried.append(1)
            return await straight_in(*args)

        monkeypatch.setattr(lineage, "_insert_straight_in", counting)
        result = await account(app, batch)
        assert (result.new, result.duplicates) == (0, 4)
        assert tried == []
        assert await lineage_counts(app, city) == before
