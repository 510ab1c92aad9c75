"""The city_progress projection: one row per city, built only from consumed events, and the
change one batch of events makes to a city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field

from services.hub.db import Base
from shared.db import UTCDateTime
from shared.events.payloads import EmissionsAccounted
from shared.localtime import DEFAULT_TIME_ZONE


class CityProgress(Base, table=True):
    """What the hub knows of a city. A row may exist before the city's registration arrives
    (topics are consumed independently), so everything but the slug has a neutral default."""

    __tablename__ = "city_progress"

    city: str = Field(primary_key=True, max_length=64)
    # From CityRegistered; NULL until that event arrives.
    name: str | None = Field(default=None, max_length=200)
    bidding_zone: str | None = Field(default=None, max_length=3)
    mission_city: bool = False
    registered_at: datetime | None = None
    # From CityRegistered's optional ``time_zone``; the city's years and months are read in it.
    time_zone: str | None = Field(default=None, max_length=64)
    # From EmissionsAccounted: exact integer milligrams, never a float sum.
    co2e_mg: int = Field(default=0, sa_type=BigInteger)
    readings_accounted: int = Field(default=0, sa_type=BigInteger)
    last_accounted_at: datetime | None = None
    # From contracts.events.v1.
    partners: int = 0
    mous_drafted: int = 0
    mous_signed: int = 0
    updated_at: datetime

    @property
    def zone(self) -> str:
        return self.time_zone or DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Registration:
    """A city's registration (CityRegistered) and when it was published."""

    name: str
    bidding_zone: str | None
    mission_city: bool
    registered_at: datetime
    time_zone: str | None = None


class InventoryYear(Base, table=True):
    """The newest published version of a city's GPC inventory for one year."""

    __tablename__ = "hub_inventory_years"

    city: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    version: int
    level: str = Field(max_length=8)
    gwp_set: str = Field(max_length=8)
    total_co2e_mg: int = Field(sa_type=BigInteger, description="Total of the inventory's level")
    basic_co2e_mg: int = Field(sa_type=BigInteger)
    basic_plus_co2e_mg: int = Field(sa_type=BigInteger)
    territorial_co2e_mg: int = Field(sa_type=BigInteger)
    # {"I": mg, "II": mg, ...} as JSON text.
    sectors: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(sa_type=UTCDateTime)


class LiveMonth(Base, table=True):
    """Live emissions accounted for a city in one local calendar month and GPC sector."""

    __tablename__ = "hub_live_months"

    city: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    month: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=4)
    co2e_mg: int = Field(default=0, sa_type=BigInteger)
    readings: int = Field(default=0, sa_type=BigInteger)


class SectorPace(Base, table=True):
    """The newest budget pace of a city's sector in a year (budget.status_changed)."""

    __tablename__ = "hub_sector_pace"

    city: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=4)
    status: str = Field(max_length=32)
    ytd_co2e_mg: int = Field(sa_type=BigInteger)
    ceiling_co2e_mg: int = Field(sa_type=BigInteger)
    prorated_ceiling_co2e_mg: int = Field(sa_type=BigInteger)
    profile: str = Field(max_length=16)
    # Optional in the event (coverage-aware pace): the sector's estimate and how much of it is
    # measured.
    estimate_co2e_mg: int | None = Field(default=None, sa_type=BigInteger)
    measured_share: str | None = Field(default=None, max_length=32)
    method: str | None = Field(default=None, max_length=64)
    evaluated_at: datetime = Field(sa_type=UTCDateTime)


class CityTarget(Base, table=True):
    """A city's current climate target (target.set): its baseline and the trajectory the
    inventory computed, kept as the event said it (the hub never recomputes the line)."""

    __tablename__ = "hub_city_targets"

    city: str = Field(primary_key=True, max_length=64)
    baseline_year: int
    target_year: int
    reduction_percent: str = Field(max_length=16)
    baseline_co2e_mg: int | None = Field(default=None, sa_type=BigInteger)
    set_at: datetime = Field(sa_type=UTCDateTime)
    # NULL in rows from before target.set carried them.
    version: int | None = None
    baseline_inventory: str | None = Field(default=None, max_length=100)
    # {"I": mg, ...}: each sector's baseline, as JSON text.
    baseline_sectors: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # [[year, mg], ...]: the city's trajectory, one point a year, as JSON text.
    trajectory: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CityAction(Base, table=True):
    """One action of a city's Climate City Contract and its newest status."""

    __tablename__ = "hub_city_actions"

    city: str = Field(primary_key=True, max_length=64)
    action_id: str = Field(primary_key=True, max_length=100)
    title: str | None = Field(default=None, max_length=300)
    status: str = Field(max_length=32)
    sector: str | None = Field(default=None, max_length=4)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CityMilestone(Base, table=True):
    """The newest state of a city's Climate City Contract and of its Mission Label."""

    __tablename__ = "hub_city_milestones"

    city: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=16, description="label or ccc")
    state: str = Field(max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime)


@dataclass
class CityDelta:
    """What one batch adds to one city's progress."""

    city: str
    registration: Registration | None = None
    co2e_mg: int = 0
    readings_accounted: int = 0
    last_accounted_at: datetime | None = None
    partners: int = 0
    mous_drafted: int = 0
    mous_signed: int = 0

    def register(self, registration: Registration) -> None:
        # The newest registration wins (a city may be re-registered with a corrected name).
        if (
            self.registration is None
            or registration.registered_at >= self.registration.registered_at
        ):
            self.registration = registration

    def account(self, event: EmissionsAccounted, at: datetime) -> None:
        self.co2e_mg += event.co2e_mg
        self.readings_accounted += event.readings_accounted
        if self.last_accounted_at is None or at > self.last_accounted_at:
            self.last_accounted_at = at
