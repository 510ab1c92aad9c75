"""``upsert_adding`` on both databases: a batch with distinct keys (one statement over column
arrays on PostgreSQL) and one with a repeated key (row by row) add up the same, replace the
same, and refuse a naive time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
)

from shared.db import Database, UTCDateTime, upsert_adding
from tests.helpers import database_with

METADATA = MetaData()
COUNTERS = Table(
    "upsert_counters",
    METADATA,
    Column("city", String(64), primary_key=True),
    Column("month", UTCDateTime, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("mg", BigInteger, nullable=False),
    Column("value", Numeric(24, 9), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


@pytest.fixture
async def db(database_url: str, unique_schema: str) -> AsyncIterator[Database]:
    async with database_with(METADATA, database_url, unique_schema) as database:
        yield database


def row(city: str, month: datetime, n: int, unit: str = "kWh") -> dict[str, object]:
    from decimal import Decimal

    return {
        "city": city,
        "month": month,
        "n": n,
        "mg": n * 10**12,  # past 32 bits
        "value": Decimal("0.000000001") * n,
        "unit": unit,
        "updated_at": datetime(2026, 12, 3, 12, tzinfo=timezone(timedelta(hours=1))),
    }


async def upsert(
    db: Database,
    rows: list[dict[str, object]],
    add: tuple[str, ...] = ("n", "mg", "value"),
    unless_newer: str | None = None,
) -> None:
    async with db.transaction() as session:
        await upsert_adding(
            session,
            COUNTERS,
            rows,
            key=("city", "month"),
            add=add,
            replace=("unit", "updated_at"),
            unless_newer=unless_newer,
        )


async def test_distinct_and_repeated_keys_add_up_the_same(db: Database) -> None:
    jan, feb = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    await upsert(db, [row("oslo", jan, 1), row("oslo", feb, 2), row("bergen", jan, 3)])
    # Distinct keys again (existing rows: added to), then a batch that repeats a key.
    await upsert(db, [row("oslo", jan, 10, "MWh"), row("tromso", feb, 5)])
    await upsert(db, [row("oslo", feb, 100), row("oslo", feb, 1000, "L")])
    async with db.transaction() as session:
        rows = (await session.execute(select(COUNTERS).order_by("city", "month"))).all()
    got = {(r.city, r.month, r.n, r.mg, str(r.value.normalize()), r.unit) for r in rows}
    assert got == {
        ("bergen", jan, 3, 3 * 10**12, "3E-9", "kWh"),
        ("oslo", jan, 11, 11 * 10**12, "1.1E-8", "MWh"),
        ("oslo", feb, 1102, 1102 * 10**12, "0.000001102", "L"),
        ("tromso", feb, 5, 5 * 10**12, "5E-9", "kWh"),
    }
    assert {r.updated_at for r in rows} == {datetime(2026, 12, 3, 11, tzinfo=UTC)}
    assert all(r.month.tzinfo is not None for r in rows)


async def test_a_naive_time_is_refused_and_nothing_is_written(db: Database) -> None:
    naive = row("oslo", datetime(2026, 1, 1), 1)
    with pytest.raises(Exception, match="naive"):
        await upsert(db, [row("bergen", datetime(2026, 1, 1, tzinfo=UTC), 1), naive])
    async with db.transaction() as session:
        assert (await session.execute(select(COUNTERS))).all() == []


async def test_unless_newer_keeps_the_newest_row_either_way(db: Database) -> None:
    jan = datetime(2026, 1, 1, tzinfo=UTC)

    def stamped(city: str, unit: str, at: datetime) -> dict[str, object]:
        return {**row(city, jan, 1, unit), "updated_at": at}

    async def replace(rows: list[dict[str, object]]) -> None:
        await upsert(db, rows, add=(), unless_newer="updated_at")

    t = datetime(2026, 12, 3, 12, tzinfo=UTC)
    await replace([stamped("oslo", "kWh", t), stamped("bergen", "kWh", t)])
    # Distinct keys: an older row is left out, a newer one replaces.
    await replace([stamped("oslo", "MWh", t - timedelta(hours=1)), stamped("bergen", "L", t)])
    # A repeated key (row by row): the newer wins whichever comes first.
    await replace([stamped("oslo", "GWh", t + timedelta(hours=2)), stamped("oslo", "Wh", t)])
    async with db.transaction() as session:
        rows = {r.city: r.unit for r in (await session.execute(select(COUNTERS))).all()}
    assert rows == {"oslo": "GWh", "bergen": "L"}
