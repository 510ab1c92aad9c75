"""The directory: loading the shipped data, searching it, linking cities and partners."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.hub.directory.models import DirectoryEntry, NetworkMembership, entry_search_text
from services.hub.directory.repository import DirectoryRepository, city_key, partner_key
from services.hub.directory.schemas import DirectoryEntryPublic, MembershipPublic
from shared.auth import Principal, ensure_can_write
from shared.problems import ProblemError

SEEDER = "klimaby-seed"


def shipped_directory() -> dict[str, Any]:
    """The directory data shipped in the package (``data/networks.json``)."""
    text = (
        resources.files("services.hub.directory").joinpath("data/networks.json").read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


async def load_shipped_directory(session: AsyncSession) -> int:
    """Upsert every shipped entry and its seeded city links; idempotent. Returns entries changed."""
    data = shipped_directory()
    repo = DirectoryRepository(session)
    now = datetime.now(UTC)
    changed = 0
    for entry in data["entries"]:
        row = {
            "slug": entry["slug"],
            "kind": entry["kind"],
            "name": entry["name"],
            "description": entry["description"],
            "reach_text": entry["reach_text"],
            "country": entry.get("country"),
            "membership_fee": entry.get("membership_fee"),
            "fee_note": entry.get("fee_note"),
            "mandate": entry["mandate"],
            "organisation": entry["organisation"],
            "website": entry.get("website"),
            "known_members": list(entry.get("known_members") or []),
            "source": data["sources"][entry["source"]],
            "search_text": entry_search_text(entry),
            "updated_at": now,
        }
        if await repo.replace_entry(row, entry["reach"], entry["actors"]):
            changed += 1
        for city in entry.get("member_cities") or []:
            if await repo.membership(entry["slug"], city_key(city)) is None:
                repo.add_membership(
                    NetworkMembership(
                        network_slug=entry["slug"],
                        member_key=city_key(city),
                        member_kind="city",
                        city=city,
                        linked_by=SEEDER,
                        linked_at=now,
                    )
                )
    await session.flush()
    return changed


async def present(
    session: AsyncSession, entries: Sequence[DirectoryEntry]
) -> list[DirectoryEntryPublic]:
    repo = DirectoryRepository(session)
    reaches, actors, members = await repo.facets_of([e.slug for e in entries])
    order = ["local", "regional", "national", "nordic", "european", "global"]
    return [
        DirectoryEntryPublic(
            slug=e.slug,
            kind=e.kind,
            name=e.name,
            description=e.description,
            reach=sorted(reaches[e.slug], key=order.index),
            reach_text=e.reach_text,
            country=e.country,
            membership_fee=e.membership_fee,
            fee_note=e.fee_note,
            actors=sorted(actors[e.slug]),
            mandate=e.mandate,
            organisation=e.organisation,
            website=e.website,
            known_members=list(e.known_members),
            members=[membership_public(m) for m in members[e.slug]],
            source=e.source,
        )
        for e in entries
    ]


def membership_public(m: NetworkMembership) -> MembershipPublic:
    return MembershipPublic(
        network=m.network_slug,
        member_kind=m.member_kind,
        city=m.city,
        partner_id=m.partner_id,
        partner_name=m.partner_name,
        linked_at=m.linked_at,
    )


async def get_network(session: AsyncSession, slug: str) -> DirectoryEntry:
    entry = await DirectoryRepository(session).get(slug)
    if entry is None:
        raise ProblemError(
            404,
            "Not Found",
            f"no directory entry '{slug}'",
            kind="not-found",
            field="/path/network",
        )
    return entry


async def _network_to_link(session: AsyncSession, slug: str) -> DirectoryEntry:
    entry = await get_network(session, slug)
    if entry.kind != "network":
        raise ProblemError(
            409,
            "Conflict",
            f"'{slug}' is a mission city, not a network",
            kind="not-a-network",
            field="/path/network",
        )
    return entry


async def link_city(
    session: AsyncSession, principal: Principal, network: str, city: str
) -> tuple[NetworkMembership, bool]:
    """Link a city to a network (its own token or an admin's). Returns (link, created)."""
    ensure_can_write(principal, city, field="/path/city")
    await _network_to_link(session, network)
    repo = DirectoryRepository(session)
    existing = await repo.membership(network, city_key(city))
    if existing is not None:
        return existing, False
    membership = NetworkMembership(
        network_slug=network,
        member_key=city_key(city),
        member_kind="city",
        city=city,
        linked_by=principal.actor,
        linked_at=datetime.now(UTC),
    )
    repo.add_membership(membership)
    await session.flush()
    return membership, True


async def link_partner(
    session: AsyncSession,
    principal: Principal,
    network: str,
    partner_id: uuid.UUID,
    city: str,
    name: str,
) -> tuple[NetworkMembership, bool]:
    """Link a partner of ``city`` to a network (the city's token or an admin's)."""
    ensure_can_write(principal, city, field="/body/city")
    await _network_to_link(session, network)
    repo = DirectoryRepository(session)
    existing = await repo.membership(network, partner_key(partner_id))
    if existing is not None:
        # The link belongs to the partner's city: another city may not re-label it.
        ensure_can_write(principal, existing.city, field="/body/city")
        if existing.city != city:
            raise ProblemError(
                409,
                "Conflict",
                f"partner {partner_id} is linked as a partner of '{existing.city}'",
                kind="conflict",
                field="/body/city",
            )
        existing.partner_name = name
        await session.flush()
        return existing, False
    membership = NetworkMembership(
        network_slug=network,
        member_key=partner_key(partner_id),
        member_kind="partner",
        city=city,
        partner_id=partner_id,
        partner_name=name,
        linked_by=principal.actor,
        linked_at=datetime.now(UTC),
    )
    repo.add_membership(membership)
    await session.flush()
    return membership, True


async def unlink(
    session: AsyncSession, principal: Principal, network: str, member_key: str, field: str
) -> None:
    await get_network(session, network)
    repo = DirectoryRepository(session)
    existing = await repo.membership(network, member_key)
    if existing is None:
        raise ProblemError(
            404, "Not Found", "no such member of this network", kind="not-found", field=field
        )
    ensure_can_write(principal, existing.city, field=field)
    await repo.remove_membership(existing)
    await session.flush()
