"""Request and response bodies of the gatherings API. Times in requests must carry their
offset; answers show them in the gathering's time zone (Europe/Oslo) with that zone's offset."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared.events.payloads import CitySlug
from shared.jsontypes import JSONIntegerCheck
from shared.localtime import DEFAULT_TIME_ZONE, is_time_zone, time_zone_schema
from shared.text import EMAIL_PATTERN, StoredText

SessionKind = Literal["talk", "panel", "workshop", "course", "break", "meal", "info", "social"]
RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]
TrackKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,8}$", description="e.g. A")]
GatheringSlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
Capacity = Annotated[int, Field(ge=1, le=1_000_000), JSONIntegerCheck]


def _plausible(moment: datetime) -> datetime:
    # Far from the ends of the calendar, so converting to UTC or to local time cannot overflow.
    if not 1900 <= moment.year <= 2200:
        raise ValueError("must lie between the years 1900 and 2200")
    return moment


Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]
"""A moment with its offset (a naive time is refused rather than guessed)."""


class SpeakerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: StoredText = Field(min_length=1, max_length=200)
    role: StoredText | None = Field(None, max_length=300, description="Title and organisation")


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    track: TrackKey | None = Field(None, description="A track's key; none for a plenary session")
    starts_at: Instant
    ends_at: Instant | None = None
    title: StoredText = Field(min_length=1, max_length=2000)
    description: StoredText = Field("", max_length=20_000)
    kind: SessionKind = "talk"
    speakers: list[SpeakerIn] = Field(default_factory=list, max_length=50)


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: TrackKey
    day: date = Field(description="The local day the track runs")
    title: StoredText = Field(min_length=1, max_length=300)
    description: StoredText = Field("", max_length=20_000)
    capacity: Capacity | None = Field(
        None, description="Places in this track; none: only the gathering's"
    )


class GatheringCreate(BaseModel):
    """A gathering with its whole programme."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: GatheringSlug
    title: StoredText = Field(min_length=1, max_length=300)
    description: StoredText = Field("", max_length=20_000)
    venue: StoredText = Field(min_length=1, max_length=300)
    organiser: StoredText = Field(min_length=1, max_length=2000)
    organiser_city: CitySlug | None = Field(
        None, description="An organising city (its token manages it)"
    )
    time_zone: str = Field(
        DEFAULT_TIME_ZONE,
        max_length=64,
        description="IANA zone the times are shown in",
        json_schema_extra=time_zone_schema(),
    )
    starts_at: Instant
    ends_at: Instant
    registration_deadline: Instant
    capacity: Capacity | None = Field(None, description="Places in all; none: unlimited")
    price_note: StoredText | None = Field(None, max_length=2000)
    contact: StoredText | None = Field(None, max_length=300)
    tracks: list[TrackIn] = Field(default_factory=list, max_length=20)
    sessions: list[SessionIn] = Field(default_factory=list, max_length=500)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError("not a known IANA time zone")
        return value


class GatheringUpdate(BaseModel):
    """Change places or the deadline; more places promote the waitlist at once."""

    model_config = ConfigDict(extra="forbid")

    capacity: Capacity | None = None
    registration_deadline: Instant | None = None
    track_capacities: dict[TrackKey, Capacity | None] = Field(default_factory=dict, max_length=20)


class SpeakerPublic(BaseModel):
    name: str
    role: str | None


class SessionPublic(BaseModel):
    id: int
    track: str | None
    starts_at: datetime = Field(description="Local time with its offset")
    ends_at: datetime | None
    title: str
    description: str
    kind: SessionKind
    speakers: list[SpeakerPublic]


class TrackPublic(BaseModel):
    key: str
    day: date
    title: str
    description: str
    capacity: int | None
    confirmed: int
    waitlisted: int


class ProgrammeDay(BaseModel):
    day: date
    plenary: list[SessionPublic]
    tracks: dict[str, list[SessionPublic]] = Field(description="Parallel tracks of the day by key")


class GatheringPublic(BaseModel):
    slug: str
    title: str
    description: str
    venue: str
    organiser: str
    organiser_city: str | None
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    registration_open: bool
    capacity: int | None
    confirmed: int
    waitlisted: int
    places_left: int | None = Field(description="None when unlimited")
    price_note: str | None
    contact: str | None
    source: str | None
    tracks: list[TrackPublic]
    programme: list[ProgrammeDay]


class GatheringSummary(BaseModel):
    slug: str
    title: str
    venue: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    registration_deadline: datetime
    registration_open: bool


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: StoredText = Field(min_length=1, max_length=200)
    email: StoredText = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)
    organisation: StoredText | None = Field(None, max_length=200)
    track: TrackKey | None = Field(None, description="Required when the gathering has tracks")


class RegistrationPublic(BaseModel):
    id: uuid.UUID
    gathering: str
    name: str
    organisation: str | None
    track: str | None
    status: RegistrationStatus
    waitlist_position: int | None = Field(description="1 = next to get a place")
    registered_at: datetime
    promoted_at: datetime | None
    cancelled_at: datetime | None


class RegistrationReceipt(RegistrationPublic):
    cancellation_token: str = Field(
        description="Shown once: send it as X-Registration-Token to read or cancel"
    )


class Participant(RegistrationPublic):
    email: str


class Cancellation(BaseModel):
    registration: RegistrationPublic
    promoted: int = Field(description="Registrations moved from the waitlist to a place")
