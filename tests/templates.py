"""Service databases migrated and seeded once per session, copied for each test.

``service_client`` used to run every migration and the reference seed of each service it starts,
for every test: seconds per service on PostgreSQL (the hub's directory seed alone is hundreds of
statements). The result of ``upgrade()`` plus ``seed(demo=False)`` is the same for every test, so
it is made once per session by that same code and copied:

- SQLite: the migrated file is copied to the test's own file.
- PostgreSQL: the session's template database holds one migrated schema per service; each test
  gets a database of its own made from it (``CREATE DATABASE ... TEMPLATE``, a file-level copy),
  whose schemas are renamed to the test's. A test's databases are dropped on a background thread,
  so that DROP DATABASE (which waits for a checkpoint) is not paid inside the next test.

A service started a second time in the same test (a restart) finds its database and runs
``upgrade()`` and the seed again, as before.
"""

from __future__ import annotations

import asyncio
import queue
import shutil
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
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


def template_schema(name: str) -> str:
    return f"template_{name}"


@dataclass
class Clone:
    """A test's own database, made from the template; ``services`` are those it holds."""

    name: str
    url: str
    services: frozenset[str]
    claimed: set[str] = field(default_factory=set)


class PostgresTemplates:
    """The session's template database (one migrated schema per service, made on first use),
    test databases made from it, and the thread that drops them."""

    def __init__(self, admin_dsn: str, session_url: str) -> None:
        self.admin_dsn = admin_dsn
        self.base = session_url.rsplit("/", 1)[0]
        self.name = session_url.rsplit("/", 1)[1] + "_tpl"
        self.built: set[str] = set()
        self.created = False
        self.undropped: list[str] = []
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper = threading.Thread(target=self._drop_loop, name="drop-test-dbs", daemon=True)
        self._dropper.start()

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def ensure(self, name: str) -> None:
        """The template holds ``name``'s migrated and seeded schema."""
        if name in self.built:
            return
        if not self.created:
            await self._admin(f'CREATE DATABASE "{self.name}"')
            self.created = True
        # Disposed before any copy is made: CREATE DATABASE refuses a template in use.
        db = Database(f"{self.base}/{self.name}", template_schema(name))
        try:
            await migrate_and_seed(db, name)
        finally:
            await db.dispose()
        self.built.add(name)

    async def clone(self) -> Clone:
        name = f"{self.name[:-4]}_{uuid.uuid4().hex[:10]}"
        # WAL_LOG (PostgreSQL 15's default) copies without a checkpoint; stated for clarity.
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}" STRATEGY WAL_LOG')
        return Clone(name, f"{self.base}/{name}", frozenset(self.built))

    async def claim(self, clone: Clone, name: str, schema: str) -> bool:
        """Give ``name``'s template schema in ``clone`` the test's schema name; False when the
        clone does not hold it (or already gave it away: a restart in the same test)."""
        if name not in clone.services or name in clone.claimed:
            return False
        conn = await asyncpg.connect(clone.url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(f'ALTER SCHEMA "{template_schema(name)}" RENAME TO "{schema}"')
        finally:
            await conn.close()
        clone.claimed.add(name)
        return True

    def drop_later(self, clone: Clone) -> None:
        self._drops.put(clone.name)

    def _drop_loop(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # a leftover test database is no reason to stop dropping
                self.undropped.append(f"{name}: {type(exc).__name__}: {exc}")

    def close(self) -> list[str]:
        """Wait for the queued drops, then drop the template; the names of test databases that
        could not be dropped are returned (for a warning)."""
        self._drops.put(None)
        self._dropper.join()
        if self.created:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        return self.undropped
