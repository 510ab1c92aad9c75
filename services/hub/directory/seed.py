"""The directory's reference data, loaded by ``klimaby seed hub`` (idempotent)."""

from __future__ import annotations

from services.hub.directory.service import load_shipped_directory
from shared.db import Database


async def seed_directory(db: Database) -> None:
    async with db.transaction() as session:
        await load_shipped_directory(session)
