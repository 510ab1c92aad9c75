"""Reads of city progress, and the batch upsert the projection writes with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, inspect, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.hub.progress.models import CityDelta, CityProgress


class CityProgressRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, city: str) -> CityProgress | None:
        return await self.session.get(CityProgress, city)

    async def list(self) -> Sequence[CityProgress]:
        by_name = func.lower(func.coalesce(col(CityProgress.name), col(CityProgress.city)))
        query = select(CityProgress).order_by(by_name, col(CityProgress.city))
        return (await self.session.execute(query)).scalars().all()

    async def apply(self, deltas: Sequence[CityDelta], now: datetime) -> None:
        """One INSERT … ON CONFLICT DO UPDATE per city, sent as one executemany.

        Counters add to what is stored; a city first seen through a partner or an emission
        gets a row now and its name when its registration arrives, in whichever order.
        """
        if not deltas:
            return
        table = cast(Table, inspect(CityProgress).local_table)
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table)
        new, old = stmt.excluded, table.c

        newer_registration = and_(
            new.registered_at.is_not(None),
            or_(old.registered_at.is_(None), new.registered_at >= old.registered_at),
        )

        def registered(column: str) -> Any:
            return case((newer_registration, new[column]), else_=old[column])

        stmt = stmt.on_conflict_do_update(
            index_elements=[old.city],
            set_={
                "name": registered("name"),
                "bidding_zone": registered("bidding_zone"),
                "mission_city": registered("mission_city"),
                "registered_at": registered("registered_at"),
                "co2e_mg": old.co2e_mg + new.co2e_mg,
                "readings_accounted": old.readings_accounted + new.readings_accounted,
                "last_accounted_at": case(
                    (new.last_accounted_at.is_(None), old.last_accounted_at),
                    (old.last_accounted_at.is_(None), new.last_accounted_at),
                    (new.last_accounted_at > old.last_accounted_at, new.last_accounted_at),
                    else_=old.last_accounted_at,
                ),
                "partners": old.partners + new.partners,
                "mous_drafted": old.mous_drafted + new.mous_drafted,
                "mous_signed": old.mous_signed + new.mous_signed,
                "updated_at": new.updated_at,
            },
        )
        await self.session.execute(stmt, [_row(delta, now) for delta in deltas])


def _row(delta: CityDelta, now: datetime) -> dict[str, Any]:
    registration = delta.registration
    return {
        "city": delta.city,
        "name": registration.name if registration else None,
        "bidding_zone": registration.bidding_zone if registration else None,
        "mission_city": registration.mission_city if registration else False,
        "registered_at": registration.registered_at if registration else None,
        "co2e_mg": delta.co2e_mg,
        "readings_accounted": delta.readings_accounted,
        "last_accounted_at": delta.last_accounted_at,
        "partners": delta.partners,
        "mous_drafted": delta.mous_drafted,
        "mous_signed": delta.mous_signed,
        "updated_at": now,
    }
