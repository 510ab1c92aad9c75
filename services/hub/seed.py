"""The hub's reference data (``klimaby seed hub``): the network directory, seed 004's
gathering and the forum's founding members; with ``--demo`` a handful of knowledge resources.
Idempotent: a second run adds nothing."""

from __future__ import annotations

from services.hub.db import load_models
from services.hub.directory.seed import seed_directory
from services.hub.forum.seed import seed_forum
from services.hub.gatherings.seed import seed_gatherings
from services.hub.resources.seed import seed_resources
from shared.db import Database


async def seed(db: Database, demo: bool = False) -> None:
    load_models()
    await seed_directory(db)
    await seed_gatherings(db)
    await seed_forum(db)
    if demo:
        await seed_resources(db)
