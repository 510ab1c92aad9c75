"""Service databases migrated and seeded once per session, copied for each test.

``service_client`` used to run every migration and the reference seed of each service it starts,
for every test: seconds per service on PostgreSQL (the hub's directory seed alone is hundreds of
statements). The result of ``upgrade()`` plus ``seed(demo=False)`` is the same for every test, so
it is made once per session by that same code and copied:

- SQLite: the migrated file is copied to the test's own file.
- PostgreSQL: the service is migrated and seeded once into a template schema of the session's
  database, which ``pg_dump`` writes out as SQL (its final tables, indexes, sequences and rows,
  ``alembic_version`` among them); each test's schema is that script with the schema's name
  replaced, run in one round trip. Everything stays in the session's database as before (a
  database per test was tried: DROP DATABASE forces a checkpoint, seconds each on a busy
  machine). Without ``pg_dump`` on the PATH every test migrates and seeds as before.

A service started a second time in the same test (a restart) finds its database and runs
``upgrade()`` and the seed again, as before.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import asyncpg

from services.registry import SERVICES
from shared.db import Database
from shared.migrations import upgrade


async def migrate_and_seed(db: Database, name: str) -> None:
    """What ``service_client`` does to a service's database before starting the app."""
    entry = SERVICES[name]
    await upgrade(db, entry.migrations_dir)
    try:
        seed_module = __import__(f"{entry.module}.seed", fromlist=["seed"])
    except ModuleNotFoundError:
        seed_module = None
    if seed_module is not None:
        await seed_module.seed(db, demo=False)


class SqliteTemplates:
    """One migrated and seeded SQLite file per service, made on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, Path] = {}

    async def copy_to(self, name: str, target: Path) -> bool:
        """Copy ``name``'s template to ``target`` unless that exists (a restart in the same
        test); True when copied."""
        if _exists(target):
            return False
        template = self.files.get(name)
        if template is None:
            template = await self._build(name)
            self.files[name] = template
        shutil.copyfile(template, target)
        return True

    async def _build(self, name: str) -> Path:
        path = self.root / f"{name}.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate_and_seed(db, name)
        finally:
            await db.dispose()
        # Everything into the main file (WAL mode): the copy is then the whole database.
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"
        return path


def _exists(path: Path) -> bool:
    return path.exists()


class PostgresTemplates:
    """Each service's migrated and seeded schema as a SQL script, made on first use."""

    def __init__(self, admin_dsn: str, session_url: str) -> None:
        self.admin_dsn = admin_dsn
        self.session_url = session_url
        self.pg_dump = shutil.which("pg_dump")
        # The template schemas' names (``<token>_<service>``), replaced in each test's script.
        self.token = f"template{uuid.uuid4().hex[:8]}"
        self.scripts: dict[str, str] = {}

    @property
    def available(self) -> bool:
        return self.pg_dump is not None

    async def create_schema(self, name: str, schema: str) -> None:
        """Create ``schema`` as ``name``'s migrated and seeded schema in the session database."""
        script = self.scripts.get(name)
        if script is None:
            script = await self._build(name)
            self.scripts[name] = script
        conn = await asyncpg.connect(self._libpq_url())
        try:
            # One simple-query message: one implicit transaction, one round trip.
            await conn.execute(script.replace(f"{self.token}_{name}", schema))
        finally:
            await conn.close()

    def _libpq_url(self) -> str:
        return self.session_url.replace("postgresql+asyncpg://", "postgresql://")

    async def _build(self, name: str) -> str:
        schema = f"{self.token}_{name}"
        db = Database(self.session_url, schema)
        try:
            await migrate_and_seed(db, name)
        finally:
            await db.dispose()
        assert self.pg_dump is not None
        command = [self.pg_dump, "--dbname", self._libpq_url(), "--schema", schema]
        command += ["--inserts", "--no-owner", "--no-privileges"]
        dump = await asyncio.to_thread(
            subprocess.run,
            command,
            check=True,
            capture_output=True,
            text=True,
        )
        # psql's meta-commands (\restrict ...) are not SQL; the rest is, schema names and all.
        lines = [line for line in dump.stdout.splitlines() if not line.startswith("\\")]
        assert f"CREATE SCHEMA {schema};" in lines, f"pg_dump wrote no schema {schema}"
        return "\n".join(lines)
