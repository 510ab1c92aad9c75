"""The climate budget of a city and year: stated projections, measures, and the live pace
status last evaluated per sector (so that a change of status is noticed, and announced once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class BudgetProjection(Base, table=True):
    """What a sector is projected to emit in a year without new measures (the reference
    projection, "referansebane"), as the city states it."""

    __tablename__ = "budget_projections"

    city: str = Field(primary_key=True, foreign_key="cities.slug", max_length=64)
    year: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=4)
    projected_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    source: str | None = Field(default=None, max_length=500)
    updated_by: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class BudgetMeasure(Base, table=True):
    """A measure ("tiltak") expected to cut a sector's emissions in a budget year."""

    __tablename__ = "budget_measures"
    __table_args__ = (Index("ix_budget_measures_city_year", "city", "year"),)

    id: str = Field(primary_key=True, max_length=36)
    city: str = Field(foreign_key="cities.slug", max_length=64)
    year: int
    sector: str = Field(max_length=4)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    expected_reduction_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Free text: the id of an action in the city's Climate City Contract (contracts service).
    contract_action_id: str | None = Field(default=None, max_length=100)
    responsible: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class BudgetPaceStatus(Base, table=True):
    """The last evaluated pace status of a sector in a year, with the figures it was based on
    when it last changed."""

    __tablename__ = "budget_pace"

    city: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=4)
    status: str = Field(max_length=16, description="on_track, at_risk, off_track or no_data")
    ytd_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    ceiling_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    prorated_ceiling_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    profile: str = Field(max_length=16, description="seasonal or flat")
    changed_at: datetime = Field(sa_type=UTCDateTime)
    # The sector's estimate the status compared, and how it was made (NULL before 0005).
    estimate_co2e_mg: int | None = Field(default=None, sa_column=Column(BigInteger))
    method: str | None = Field(default=None, max_length=32)
