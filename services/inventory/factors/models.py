"""Emission factors: never edited in place; a revision is a new version of the same id."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class EmissionFactor(Base, table=True):
    """One version of a factor: mass of ``gas`` per ``activity_unit`` of an activity."""

    __tablename__ = "emission_factors"

    id: str = Field(primary_key=True, max_length=100)
    version: int = Field(primary_key=True, ge=1)
    name: str = Field(max_length=300)
    activity: str = Field(index=True, max_length=64, description="e.g. electricity_grid")
    gpc_references: list[str] = Field(sa_column=Column(JSON, nullable=False))
    activity_unit: str = Field(max_length=32, description="kWh, L or vehicle-km")
    gas: str = Field(max_length=8, description="CO2, CH4, N2O or CO2e")
    value: Decimal = Field(sa_column=Column(Numeric(20, 9), nullable=False))
    mass_unit: str = Field(max_length=4, description="g, kg or t of the gas per activity unit")
    gwp_set: str | None = Field(default=None, max_length=8)
    region: str = Field(max_length=64, description="NO, a bidding zone NO1..NO5, or a city")
    valid_from_year: int
    valid_to_year: int | None = None
    source: str = Field(max_length=300)
    source_reference: str | None = Field(default=None, max_length=500)
    is_current: bool = Field(default=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=200, description="Token subject")
    revision_reason: str | None = Field(default=None, max_length=500)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
