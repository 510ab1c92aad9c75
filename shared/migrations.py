"""Alembic per service, driven from code (``klimaby migrate``) on the service's async engine.

Each service keeps ``migrations/`` beside its code; its ``env.py`` calls :func:`run_env`.
On PostgreSQL the service's schema is created first and holds its ``alembic_version`` table.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, TypeDecorator, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import Database


def alembic_config(migrations_dir: Path, url: str, schema: str | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


async def upgrade(db: Database, migrations_dir: Path, revision: str = "head") -> None:
    """Bring the service's database to ``revision`` inside one connection."""
    cfg = alembic_config(migrations_dir, db.url, db.schema)
    async with db.engine.begin() as conn:
        if db.schema:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
            await conn.execute(text(f'SET search_path TO "{db.schema}"'))
        await conn.run_sync(_run_upgrade, cfg, revision)


def _run_upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def revision(migrations_dir: Path, db: Database, message: str) -> None:
    """Autogenerate a revision against an up-to-date database (developer tool)."""
    cfg = alembic_config(migrations_dir, db.url, db.schema)

    async def _go() -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(_run_revision, cfg, message)

    asyncio.run(_go())


def _run_revision(connection: Connection, cfg: Config, message: str) -> None:
    cfg.attributes["connection"] = connection
    command.revision(cfg, message=message, autogenerate=True)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``."""
    cfg = context.config
    connection: Connection | None = cfg.attributes.get("connection")
    schema: str | None = cfg.attributes.get("schema")
    if connection is not None:
        _configure_and_run(connection, target_metadata, schema)
        return
    # Run by the plain ``alembic`` command: open our own async connection.
    db = Database(cfg.get_main_option("sqlalchemy.url") or "", schema)

    async def _go() -> None:
        async with db.engine.begin() as conn:
            await _run_on(conn, target_metadata, schema)
        await db.dispose()

    asyncio.run(_go())


async def _run_on(conn: AsyncConnection, metadata: MetaData, schema: str | None) -> None:
    await conn.run_sync(_configure_and_run, metadata, schema)


def _render_item(type_: str, obj: Any, _context: Any) -> str | bool:
    # Migrations must not import application code: render our column types as their SQL type.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _include_object(metadata: MetaData) -> Any:
    """Autogenerate leaves alone what a migration made by hand and no model declares (a
    generated tsvector column, an FTS5 table and its shadow tables): the names a service lists
    in ``metadata.info["autogenerate_ignore"]``."""
    ignored: set[str] = set(metadata.info.get("autogenerate_ignore", ()))

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if not (reflected and compare_to is None and name):
            return True
        if name in ignored:
            return False
        return not (type_ == "table" and any(name.startswith(f"{i}_") for i in ignored))

    return include


def _configure_and_run(connection: Connection, metadata: MetaData, schema: str | None) -> None:
    options: dict[str, Any] = {
        "include_object": _include_object(metadata),
        "connection": connection,
        "target_metadata": metadata,
        "compare_type": True,
        "render_as_batch": connection.dialect.name == "sqlite",
        "render_item": _render_item,
    }
    if schema:
        options["version_table_schema"] = schema
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
