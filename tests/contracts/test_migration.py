"""Migration 0003 on SQLite and PostgreSQL: MoUs drafted and signed under the old rules (one
signature, drafted → signed) come through as proposed, and signed with their signature."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from services.registry import SERVICES
from shared.db import Database
from shared.migrations import alembic_config, upgrade

BEFORE = "81ff26bec82b"


async def downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(SERVICES["contracts"].migrations_dir, db.url, db.schema)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with db.engine.begin() as conn:
        if db.schema:
            await conn.execute(text(f'SET search_path TO "{db.schema}"'))
        await conn.run_sync(run)


async def test_old_mous_migrate_to_the_lifecycle_with_their_signature(
    database_url: str, unique_schema: str
) -> None:
    db = Database(database_url, unique_schema if database_url.startswith("postgres") else None)
    migrations = SERVICES["contracts"].migrations_dir
    partner, drafted, signed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def uid(value: uuid.UUID) -> str:
        # How a Uuid column is stored: native on PostgreSQL, 32 hex characters on SQLite.
        return str(value) if db.is_postgres else value.hex

    try:
        await upgrade(db, migrations, BEFORE)
        async with db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO partners (id, city, name, helix, registered_at) "
                    "VALUES (:id, 'oslo', 'Gammel AS', 'business', :at)"
                ),
                {"id": uid(partner), "at": at},
            )
            await session.execute(
                text(
                    "INSERT INTO mous (id, partner_id, city, title, status, drafted_at) "
                    "VALUES (:id, :p, 'oslo', 'Utkast', 'drafted', :at)"
                ),
                {"id": uid(drafted), "p": uid(partner), "at": at},
            )
            await session.execute(
                text(
                    "INSERT INTO mous (id, partner_id, city, title, status, signatory, "
                    "signed_on, drafted_at, signed_at) VALUES (:id, :p, 'oslo', 'Signert', "
                    "'signed', 'Kari Nordmann', :on, :at, :at)"
                ),
                {"id": uid(signed), "p": uid(partner), "at": at, "on": date(2024, 3, 2)},
            )
        await upgrade(db, migrations)
        async with db.transaction() as session:
            statuses = dict((await session.execute(text("SELECT title, status FROM mous"))).all())
            signatures = (
                await session.execute(
                    text("SELECT side, signatory, signed_on, signed_by FROM mou_signatures")
                )
            ).all()
            steps = (
                await session.execute(
                    text("SELECT from_status, to_status FROM mou_transitions ORDER BY changed_at")
                )
            ).all()
            proposed_at = (
                await session.execute(text("SELECT proposed_at FROM mous WHERE title = 'Utkast'"))
            ).scalar_one()
        assert statuses == {"Utkast": "proposed", "Signert": "signed"}
        assert len(signatures) == 1
        side, signatory, signed_on, signed_by = signatures[0]
        assert (side, signatory) == ("partner", "Kari Nordmann")
        assert str(signed_on) == "2024-03-02"
        assert "migration" in signed_by
        assert sorted(steps, key=str) == sorted(
            [(None, "proposed"), (None, "proposed"), ("proposed", "signed")], key=str
        )
        assert proposed_at is not None
        # The new rules hold on migrated data: a status outside the lifecycle is refused.
        try:
            async with db.transaction() as session:
                await session.execute(text("UPDATE mous SET status = 'drafted'"))
        except Exception as exc:  # IntegrityError from either driver
            assert "ck_mous_status" in str(exc) or "CHECK" in str(exc).upper()
        else:
            raise AssertionError("the old status 'drafted' was accepted after the migration")

        # And back: the one signature returns to the MoU's own columns.
        await downgrade(db, BEFORE)
        async with db.transaction() as session:
            back = (await session.execute(text("SELECT title, status, signatory FROM mous"))).all()
        assert sorted(back) == [("Signert", "signed", "Kari Nordmann"), ("Utkast", "drafted", None)]
    finally:
        await db.dispose()
