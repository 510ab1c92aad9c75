from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.inventory.inventories.models import (
    Inventory,
    InventoryChange,
    InventoryEntry,
    InventoryVersion,
)


class InventoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, city: str, year: int) -> Inventory | None:
        query = select(Inventory).where(Inventory.city == city, Inventory.year == year)
        return (await self.session.execute(query)).scalars().first()

    async def of_city(self, city: str) -> Sequence[Inventory]:
        query = select(Inventory).where(Inventory.city == city).order_by(col(Inventory.year))
        return (await self.session.execute(query)).scalars().all()

    async def versions(self, inventory_ids: Sequence[int]) -> Sequence[InventoryVersion]:
        if not inventory_ids:
            return []
        v = InventoryVersion
        query = (
            select(v)
            .where(col(v.inventory_id).in_(inventory_ids))
            .order_by(col(v.inventory_id), col(v.version))
        )
        return (await self.session.execute(query)).scalars().all()

    async def version(
        self, inventory_id: int, number: int, *, for_update: bool = False
    ) -> InventoryVersion | None:
        query = select(InventoryVersion).where(
            InventoryVersion.inventory_id == inventory_id, InventoryVersion.version == number
        )
        if for_update:
            # Writers lock the version row, so a publish and an edit cannot interleave.
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def latest_version(
        self, inventory_id: int, *, for_update: bool = False
    ) -> InventoryVersion | None:
        query = (
            select(InventoryVersion)
            .where(InventoryVersion.inventory_id == inventory_id)
            .order_by(col(InventoryVersion.version).desc())
            .limit(1)
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalars().first()

    async def entries(self, version_id: int) -> Sequence[InventoryEntry]:
        query = select(InventoryEntry).where(InventoryEntry.version_id == version_id)
        return (await self.session.execute(query)).scalars().all()

    async def entry(self, version_id: int, gpc_reference: str) -> InventoryEntry | None:
        query = select(InventoryEntry).where(
            InventoryEntry.version_id == version_id,
            InventoryEntry.gpc_reference == gpc_reference,
        )
        return (await self.session.execute(query)).scalars().first()

    async def delete_entry(self, entry: InventoryEntry) -> None:
        await self.session.delete(entry)

    async def changes(self, version_id: int) -> Sequence[InventoryChange]:
        query = (
            select(InventoryChange)
            .where(InventoryChange.version_id == version_id)
            .order_by(col(InventoryChange.id))
        )
        return (await self.session.execute(query)).scalars().all()

    def add(self, row: Inventory | InventoryVersion | InventoryEntry | InventoryChange) -> None:
        self.session.add(row)
