"""Database lifecycle: one async engine per service, one transaction per request or message.

Services call ``flush()`` at most; commits happen in exactly one place, the ``transaction``
context manager (used by the request dependency and by the consumers).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, String, Table, TypeDecorator, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def identifier_text(length: int) -> String:
    """A machine identifier (a reading id), compared byte for byte on PostgreSQL.

    Under the database's language collation (C.UTF-8, en_US.UTF-8, nb_NO.UTF-8) every
    comparison of two texts goes through the C library's ``strcoll``, and a primary key's
    B-tree compares a new key a score of times on its way to its leaf: for the reading ids,
    which every accounted reading inserts into three such keys, that was about 0.5 µs of the
    backend's CPU per key (docs/performance.md). An id has no language order to respect, and
    for the ASCII of a UUID's text ``"C"`` sorts as the other collations do. SQLite compares
    bytes already (and knows no collation "C")."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on both databases.

    SQLite has no time zones: without this, an aware time would be stored at its local clock
    reading and compared wrongly. A naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Database:
    """The engine and session factory of one service; created in the lifespan, disposed after."""

    def __init__(
        self,
        url: str,
        schema: str | None = None,
        echo: bool = False,
        application_name: str | None = None,
    ) -> None:
        self.url = url
        self.schema = schema
        connect_args: dict[str, Any] = {}
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = 30
        elif url.startswith("postgresql"):
            server_settings: dict[str, str] = {}
            if schema:
                server_settings["search_path"] = schema
            if application_name:
                # What pg_stat_activity and the server's log (%a) show for the connection: the
                # operator sees which service holds a lock or runs a slow query.
                server_settings["application_name"] = application_name
            if server_settings:
                connect_args["server_settings"] = server_settings
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(
            url, echo=echo, connect_args=connect_args, json_serializer=_json_serializer, **kwargs
        )
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back on any exception."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class SerialisedJSON(str):
    """A JSON document serialised already (in a worker thread), stored as it is: a large one
    (an import's every problem) would otherwise be serialised on the event loop at flush."""


def _json_serializer(value: Any) -> str:
    return value if isinstance(value, SerialisedJSON) else json.dumps(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the consumer writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The sqlite3 module would only BEGIN before the first write, leaving earlier reads outside
    # the transaction (a read-then-write could act on stale data). We emit BEGIN ourselves.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Any) -> None:
    # IMMEDIATE takes SQLite's single write lock up front: transactions that read, then write
    # (an offset check, then its update) run one after another, never interleaved.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's single transaction."""
    db: Database = request.app.state.db
    async with db.transaction() as session:
        yield session


# Function scope: the transaction commits before the response is sent, so a failed commit is
# answered as an error instead of after a 2xx has already gone out.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def insert_ignoring_conflicts(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: Iterable[str] = (),
) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite; returns the rows inserted.

    This is how a consumer learns which of a batch's keys are new: the database, not a cache,
    decides, so concurrent replicas and replays cannot count a key twice.
    """
    if not rows:
        return []
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing()
    columns = [table.c[name] for name in returning]
    if columns:
        stmt = stmt.returning(*columns)
        result = await session.execute(stmt, list(rows))
        return list(result.all())
    await session.execute(stmt, list(rows))
    return []


async def upsert_adding(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    add: Sequence[str],
    replace: Sequence[str] = (),
    unless_newer: str | None = None,
) -> None:
    """INSERT rows; where the key exists, add the ``add`` columns and overwrite ``replace``
    (with ``unless_newer``, a timestamp column: only where the stored row is not newer than the
    incoming one, so a late row never overwrites a newer one).

    One statement for the batch, atomic per row, on PostgreSQL and SQLite alike: counters
    accumulated by concurrent consumers never lose an update.
    """
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql" and _distinct_keys(rows, key):
        await session.execute(
            _unnest_upsert(
                table, tuple(rows[0]), tuple(key), tuple(add), tuple(replace), unless_newer
            ),
            _column_arrays(table, rows),
        )
        return
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    updates = {name: table.c[name] + stmt.excluded[name] for name in add}
    updates.update({name: stmt.excluded[name] for name in replace})
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_=updates,
        where=None
        if unless_newer is None
        else table.c[unless_newer] <= stmt.excluded[unless_newer],
    )
    await session.execute(stmt, list(rows))


# --- PostgreSQL: a batch's rows as one array per column --------------------------------------
#
# An executemany runs the statement once per row: SQLAlchemy binds every parameter of every row
# in Python and PostgreSQL executes the plan per row. With the rows passed as one array per
# column and expanded by ``unnest``, a batch of a hundred sensor-months is one execution, and
# asyncpg encodes each array in C. ON CONFLICT DO UPDATE may touch a row only once per
# statement, so this is used only where the batch's keys are distinct (the callers aggregate
# by key; a batch with a repeated key takes the executemany, which adds row by row).


def _distinct_keys(rows: Sequence[dict[str, Any]], key: Sequence[str]) -> bool:
    first = rows[0].keys()
    if any(r.keys() != first for r in rows):
        return False
    return len({tuple(r[k] for k in key) for r in rows}) == len(rows)


@lru_cache(maxsize=256)
def _unnest_upsert(
    table: Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    add: tuple[str, ...],
    replace: tuple[str, ...],
    unless_newer: str | None = None,
) -> Any:
    from sqlalchemy.dialects import postgresql

    def array_type(name: str) -> str:
        declared = table.c[name].type.compile(dialect=postgresql.dialect())
        # Without length or precision: a value too long fails the insert instead of being cut.
        return "TIMESTAMPTZ" if declared.startswith("TIMESTAMP") else declared.split("(", 1)[0]

    quoted = [f'"{c}"' for c in columns]
    sets = [f'"{c}" = {table.name}."{c}" + EXCLUDED."{c}"' for c in add]
    sets += [f'"{c}" = EXCLUDED."{c}"' for c in replace]
    return text(
        f"INSERT INTO {table.name} ({', '.join(quoted)}) "
        f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {array_type(c)}[])' for c in columns)}) "
        f"ON CONFLICT ({', '.join(f'{chr(34)}{k}{chr(34)}' for k in key)}) "
        f"DO UPDATE SET {', '.join(sets)}"
        + (
            ""
            if unless_newer is None
            else f' WHERE {table.name}."{unless_newer}" <= EXCLUDED."{unless_newer}"'
        )
    )


def _column_arrays(table: Table, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    arrays: dict[str, list[Any]] = {name: [r[name] for r in rows] for name in rows[0]}
    for name, values in arrays.items():
        # What UTCDateTime does for one value: a naive time is refused, an aware one is UTC.
        if isinstance(table.c[name].type, UTCDateTime):
            arrays[name] = [UTCDateTime().process_bind_param(v, None) for v in values]
    return arrays
