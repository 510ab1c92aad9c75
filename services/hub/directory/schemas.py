"""Request and response bodies of the directory API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.payloads import CitySlug
from shared.text import StoredText

Reach = Literal["local", "regional", "national", "nordic", "european", "global"]
Actor = Literal[
    "municipalities", "county_authorities", "state", "business", "academia", "civil_society"
]
EntryKind = Literal["network", "mission_city"]
MemberKind = Literal["city", "partner"]

REACH_LABELS: dict[str, tuple[str, str]] = {
    "local": ("Lokalt", "Local"),
    "regional": ("Regionalt", "Regional"),
    "national": ("Nasjonalt", "National"),
    "nordic": ("Nordisk", "Nordic"),
    "european": ("Europeisk", "European"),
    "global": ("Globalt", "Global"),
}
ACTOR_LABELS: dict[str, tuple[str, str]] = {
    "municipalities": ("Kommuner", "Municipalities"),
    "county_authorities": ("Fylkeskommuner", "County authorities"),
    "state": ("Staten", "The state"),
    "business": ("Næringsliv", "Business"),
    "academia": ("Akademia og FoU", "Academia and research"),
    "civil_society": ("Sivilsamfunn", "Civil society"),
}


class MembershipPublic(BaseModel):
    """A city or partner linked to a network."""

    model_config = ConfigDict(from_attributes=True)

    network: str = Field(description="The network's slug")
    member_kind: MemberKind
    city: str = Field(description="The member city, or the partner's city")
    partner_id: uuid.UUID | None = None
    partner_name: str | None = None
    linked_at: datetime


class DirectoryEntryPublic(BaseModel):
    """A network (or mission city) of the directory, in the source's own (Norwegian) words."""

    slug: str
    kind: EntryKind
    name: str
    description: str
    reach: list[Reach] = Field(
        description="Where the network works; several where the source says so"
    )
    reach_text: str = Field(description="The source's own wording of the reach")
    country: str | None = Field(
        description="ISO country of a national network; null if international"
    )
    membership_fee: bool | None = Field(
        description="Whether members pay a fee; null if the source does not say"
    )
    fee_note: str | None
    actors: list[Actor]
    mandate: str
    organisation: str
    website: str | None
    known_members: list[str] = Field(
        description="Members the source names (not all are on the platform)"
    )
    members: list[MembershipPublic] = Field(
        description="Cities and partners linked on the platform"
    )
    source: str


class PartnerMembership(BaseModel):
    """Link a partner (registered in the contracts service) to a network."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city: CitySlug = Field(description="The partner's city: its token (or an admin's) may link it")
    name: StoredText = Field(min_length=1, max_length=200, description="The partner's name")
