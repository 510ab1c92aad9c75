"""Seed 004's regional climate gathering, shipped as data and loaded by ``klimaby seed hub``."""

from __future__ import annotations

import json
from importlib import resources

from services.hub.gatherings import service
from services.hub.gatherings.repository import GatheringRepository
from services.hub.gatherings.schemas import GatheringCreate
from shared.auth import Principal
from shared.db import Database

SEEDER = Principal(subject="klimaby-seed", role="admin")
SHIPPED = ("klimasamling-troms-finnmark-2020.json",)


def shipped_gatherings() -> list[tuple[GatheringCreate, str | None]]:
    out = []
    for name in SHIPPED:
        raw = json.loads(
            resources.files("services.hub.gatherings").joinpath(f"data/{name}").read_text("utf-8")
        )
        source = raw.pop("source", None)
        out.append((GatheringCreate.model_validate(raw), source))
    return out


async def seed_gatherings(db: Database) -> None:
    """Adds a shipped gathering once (by slug); a gathering already there is left as it is."""
    async with db.transaction() as session:
        for data, source in shipped_gatherings():
            if await GatheringRepository(session).get(data.slug) is None:
                gathering = await service.create(session, SEEDER, data)
                gathering.source = source
                session.add(gathering)
                await session.flush()
