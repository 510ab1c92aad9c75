"""Reads and writes of directory entries and memberships."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.hub.directory.models import (
    DirectoryActor,
    DirectoryEntry,
    DirectoryReach,
    NetworkMembership,
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class DirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, slug: str) -> DirectoryEntry | None:
        return await self.session.get(DirectoryEntry, slug)

    async def search(
        self,
        *,
        text: str | None,
        kind: str | None,
        reach: Sequence[str],
        actor: Sequence[str],
        fee: bool | None,
        city: str | None,
    ) -> Sequence[DirectoryEntry]:
        query = select(DirectoryEntry)
        if text:
            # Every word must occur (in any field), case-folded the way search_text was.
            for word in text.casefold().split():
                query = query.where(
                    col(DirectoryEntry.search_text).like(f"%{_escape_like(word)}%", escape="\\")
                )
        if kind:
            query = query.where(col(DirectoryEntry.kind) == kind)
        if reach:
            query = query.where(
                exists().where(
                    col(DirectoryReach.entry_slug) == col(DirectoryEntry.slug),
                    col(DirectoryReach.reach).in_(reach),
                )
            )
        for one in actor:  # all the actors asked for
            query = query.where(
                exists().where(
                    col(DirectoryActor.entry_slug) == col(DirectoryEntry.slug),
                    col(DirectoryActor.actor) == one,
                )
            )
        if fee is not None:
            query = query.where(col(DirectoryEntry.membership_fee) == fee)
        if city:
            query = query.where(
                exists().where(
                    col(NetworkMembership.network_slug) == col(DirectoryEntry.slug),
                    col(NetworkMembership.city) == city,
                )
            )
        query = query.order_by(col(DirectoryEntry.kind), col(DirectoryEntry.name))
        return (await self.session.execute(query)).scalars().all()

    async def facets_of(
        self, slugs: Sequence[str]
    ) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[NetworkMembership]]]:
        reaches: dict[str, list[str]] = defaultdict(list)
        actors: dict[str, list[str]] = defaultdict(list)
        members: dict[str, list[NetworkMembership]] = defaultdict(list)
        if not slugs:
            return reaches, actors, members
        for r in (
            await self.session.execute(
                select(DirectoryReach).where(col(DirectoryReach.entry_slug).in_(slugs))
            )
        ).scalars():
            reaches[r.entry_slug].append(r.reach)
        for a in (
            await self.session.execute(
                select(DirectoryActor).where(col(DirectoryActor.entry_slug).in_(slugs))
            )
        ).scalars():
            actors[a.entry_slug].append(a.actor)
        for m in (
            await self.session.execute(
                select(NetworkMembership)
                .where(col(NetworkMembership.network_slug).in_(slugs))
                .order_by(col(NetworkMembership.city), col(NetworkMembership.member_key))
            )
        ).scalars():
            members[m.network_slug].append(m)
        return reaches, actors, members

    async def replace_entry(
        self, row: dict[str, Any], reach: Sequence[str], actors: Sequence[str]
    ) -> bool:
        """Insert or update an entry from the shipped data; True if anything changed."""
        existing = await self.get(row["slug"])
        changed = existing is None
        if existing is None:
            existing = DirectoryEntry(**row)
            self.session.add(existing)
        else:
            for key, value in row.items():
                if key != "updated_at" and getattr(existing, key) != value:
                    setattr(existing, key, value)
                    changed = True
            if changed:
                existing.updated_at = row["updated_at"]
        await self.session.flush()
        await self._replace_set(DirectoryReach, "reach", row["slug"], reach)
        await self._replace_set(DirectoryActor, "actor", row["slug"], actors)
        return changed

    async def _replace_set(
        self,
        model: type[DirectoryReach] | type[DirectoryActor],
        field: str,
        slug: str,
        values: Sequence[str],
    ) -> None:
        column = getattr(model, field)
        current = set(
            (
                await self.session.execute(
                    select(column).where(model.entry_slug == slug)  # type: ignore[arg-type]
                )
            ).scalars()
        )
        wanted = set(values)
        if current - wanted:
            await self.session.execute(
                delete(model).where(
                    model.entry_slug == slug,  # type: ignore[arg-type]
                    column.in_(current - wanted),
                )
            )
        for value in sorted(wanted - current):
            self.session.add(model(entry_slug=slug, **{field: value}))
        await self.session.flush()

    async def membership(self, network: str, member_key: str) -> NetworkMembership | None:
        query = select(NetworkMembership).where(
            col(NetworkMembership.network_slug) == network,
            col(NetworkMembership.member_key) == member_key,
        )
        return (await self.session.execute(query)).scalars().first()

    async def memberships_of_city(self, city: str) -> Sequence[NetworkMembership]:
        query = (
            select(NetworkMembership)
            .where(col(NetworkMembership.city) == city)
            .order_by(col(NetworkMembership.network_slug), col(NetworkMembership.member_key))
        )
        return (await self.session.execute(query)).scalars().all()

    async def memberships_of_network(self, network: str) -> Sequence[NetworkMembership]:
        query = (
            select(NetworkMembership)
            .where(col(NetworkMembership.network_slug) == network)
            .order_by(col(NetworkMembership.city), col(NetworkMembership.member_key))
        )
        return (await self.session.execute(query)).scalars().all()

    def add_membership(self, membership: NetworkMembership) -> None:
        self.session.add(membership)

    async def remove_membership(self, membership: NetworkMembership) -> None:
        await self.session.delete(membership)


def partner_key(partner_id: uuid.UUID) -> str:
    return f"partner:{partner_id}"


def city_key(city: str) -> str:
    return f"city:{city}"
