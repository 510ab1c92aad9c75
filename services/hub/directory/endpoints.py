"""REST: the network directory (public reads) and memberships (writes need a token)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from services.hub.cities import KnownCityPath, KnownCityQuery
from services.hub.directory import service
from services.hub.directory.repository import DirectoryRepository, city_key, partner_key
from services.hub.directory.schemas import (
    Actor,
    DirectoryEntryPublic,
    EntryKind,
    MembershipPublic,
    PartnerMembership,
    Reach,
)
from shared.auth import Principal, require_principal
from shared.cities import city_slug_path
from shared.db import DbSession
from shared.text import StoredText

router = APIRouter(prefix="/v1/directory", tags=["directory"])

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
NetworkPath = Annotated[
    str, Path(pattern=SLUG_PATTERN, description="The network's slug, e.g. eurocities")
]
# 422 with the slug to use for a wrong case; the endpoint answers an unknown city (404).
CityPath = Annotated[str, Depends(city_slug_path)]


@router.get("/networks", summary="Directory: networks and mission cities, searched and filtered")
async def search_directory(
    session: DbSession,
    q: StoredText | None = Query(
        None, max_length=200, description="Words that must all occur (any field)"
    ),
    kind: EntryKind | None = Query(None),
    reach: list[Reach] = Query([], description="Any of these reaches"),
    actor: list[Actor] = Query([], description="All of these actors"),
    fee: bool | None = Query(
        None, description="Only networks with (true) or without (false) a fee"
    ),
    city: KnownCityQuery = None,
) -> list[DirectoryEntryPublic]:
    entries = await DirectoryRepository(session).search(
        text=q, kind=kind, reach=reach, actor=actor, fee=fee, city=city
    )
    return await service.present(session, entries)


@router.get("/networks/{network}", summary="Directory: one network or mission city")
async def get_network(network: NetworkPath, session: DbSession) -> DirectoryEntryPublic:
    entry = await service.get_network(session, network)
    return (await service.present(session, [entry]))[0]


@router.get("/networks/{network}/members", summary="Cities and partners linked to a network")
async def network_members(network: NetworkPath, session: DbSession) -> list[MembershipPublic]:
    await service.get_network(session, network)
    rows = await DirectoryRepository(session).memberships_of_network(network)
    return [service.membership_public(m) for m in rows]


@router.put(
    "/networks/{network}/members/cities/{city}",
    summary="Link a city to a network it belongs to (its own token or an admin's)",
    responses={200: {"description": "Already linked"}, 201: {"description": "Linked"}},
)
async def link_city(
    network: NetworkPath,
    city: CityPath,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MembershipPublic:
    membership, created = await service.link_city(session, principal, network, city)
    response.status_code = 201 if created else 200
    return service.membership_public(membership)


@router.delete(
    "/networks/{network}/members/cities/{city}",
    status_code=204,
    summary="Unlink a city from a network",
)
async def unlink_city(
    network: NetworkPath,
    city: CityPath,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> Response:
    await service.unlink(session, principal, network, city_key(city), "/path/city")
    return Response(status_code=204)


@router.put(
    "/networks/{network}/members/partners/{partner_id}",
    summary="Link a partner to a network (a token of the partner's city or an admin's)",
    responses={200: {"description": "Already linked"}, 201: {"description": "Linked"}},
)
async def link_partner(
    network: NetworkPath,
    partner_id: uuid.UUID,
    data: PartnerMembership,
    response: Response,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> MembershipPublic:
    membership, created = await service.link_partner(
        session, principal, network, partner_id, data.city, data.name
    )
    response.status_code = 201 if created else 200
    return service.membership_public(membership)


@router.delete(
    "/networks/{network}/members/partners/{partner_id}",
    status_code=204,
    summary="Unlink a partner from a network",
)
async def unlink_partner(
    network: NetworkPath,
    partner_id: uuid.UUID,
    session: DbSession,
    principal: Principal = Depends(require_principal),
) -> Response:
    await service.unlink(session, principal, network, partner_key(partner_id), "/path/partner_id")
    return Response(status_code=204)


@router.get("/cities/{city}/networks", summary="The networks a city (or its partners) belongs to")
async def networks_of_city(city: KnownCityPath, session: DbSession) -> list[MembershipPublic]:
    rows = await DirectoryRepository(session).memberships_of_city(city)
    return [service.membership_public(m) for m in rows]
