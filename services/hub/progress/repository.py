"""Reads of city progress, and the batch upsert the projection writes with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, inspect, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.hub.progress.models import (
    CityAction,
    CityDelta,
    CityMilestone,
    CityProgress,
    CityTarget,
    InventoryYear,
    LiveMonth,
    SectorPace,
)


def _table(model: type[Any]) -> Table:
    return cast(Table, inspect(model).local_table)


async def upsert(
    session: AsyncSession,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    add: Sequence[str] = (),
    newer: str | None = None,
) -> None:
    """INSERT … ON CONFLICT on the primary key: columns in ``add`` add to what is stored;
    with ``newer``, the whole row is replaced only when that column's value is newer (so
    events applied out of order leave the newest state)."""
    if not rows:
        return
    table = _table(model)
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    new, old = stmt.excluded, table.c
    keys = [c.name for c in table.primary_key.columns]
    values = [c.name for c in table.columns if c.name not in keys]
    if add:
        set_ = {name: old[name] + new[name] for name in add}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=set_)
    else:
        set_ = {name: new[name] for name in values}
        where = new[newer] >= old[newer] if newer else None
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=set_, where=where)
    await session.execute(stmt, list(rows))


class ContextRepository:
    """Reads of a city's progress in context (inventories, live months, pace, actions…)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def zones(self, cities: Sequence[str]) -> dict[str, str | None]:
        if not cities:
            return {}
        query = select(CityProgress.city, CityProgress.time_zone).where(
            col(CityProgress.city).in_(list(cities))
        )
        return {row.city: row.time_zone for row in (await self.session.execute(query)).all()}

    async def inventories(self, city: str | None = None) -> Sequence[InventoryYear]:
        query = select(InventoryYear).order_by(col(InventoryYear.city), col(InventoryYear.year))
        if city is not None:
            query = query.where(InventoryYear.city == city)
        return (await self.session.execute(query)).scalars().all()

    async def live_months(self, city: str | None, year: int | None = None) -> Sequence[LiveMonth]:
        query = select(LiveMonth).order_by(col(LiveMonth.month), col(LiveMonth.sector))
        if city is not None:
            query = query.where(LiveMonth.city == city)
        if year is not None:
            query = query.where(LiveMonth.year == year)
        return (await self.session.execute(query)).scalars().all()

    async def paces(self, city: str | None = None) -> Sequence[SectorPace]:
        query = select(SectorPace).order_by(col(SectorPace.year), col(SectorPace.sector))
        if city is not None:
            query = query.where(SectorPace.city == city)
        return (await self.session.execute(query)).scalars().all()

    async def targets(self) -> dict[str, CityTarget]:
        rows = (await self.session.execute(select(CityTarget))).scalars().all()
        return {row.city: row for row in rows}

    async def actions(self, city: str | None = None) -> Sequence[CityAction]:
        query = select(CityAction).order_by(col(CityAction.action_id))
        if city is not None:
            query = query.where(CityAction.city == city)
        return (await self.session.execute(query)).scalars().all()

    async def milestones(self, city: str | None = None) -> Sequence[CityMilestone]:
        query = select(CityMilestone)
        if city is not None:
            query = query.where(CityMilestone.city == city)
        return (await self.session.execute(query)).scalars().all()


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
                "time_zone": case(
                    (and_(newer_registration, new.time_zone.is_not(None)), new.time_zone),
                    else_=old.time_zone,
                ),
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
        "time_zone": registration.time_zone if registration else None,
        "co2e_mg": delta.co2e_mg,
        "readings_accounted": delta.readings_accounted,
        "last_accounted_at": delta.last_accounted_at,
        "partners": delta.partners,
        "mous_drafted": delta.mous_drafted,
        "mous_signed": delta.mous_signed,
        "updated_at": now,
    }
