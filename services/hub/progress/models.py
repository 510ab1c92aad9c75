"""The city_progress projection: one row per city, built only from consumed events, and the
change one batch of events makes to a city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field

from services.hub.db import Base
from shared.events.payloads import EmissionsAccounted


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
    # From EmissionsAccounted: exact integer milligrams, never a float sum.
    co2e_mg: int = Field(default=0, sa_type=BigInteger)
    readings_accounted: int = Field(default=0, sa_type=BigInteger)
    last_accounted_at: datetime | None = None
    # From contracts.events.v1.
    partners: int = 0
    mous_drafted: int = 0
    mous_signed: int = 0
    updated_at: datetime


@dataclass(frozen=True)
class Registration:
    """A city's registration (CityRegistered) and when it was published."""

    name: str
    bidding_zone: str | None
    mission_city: bool
    registered_at: datetime


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
