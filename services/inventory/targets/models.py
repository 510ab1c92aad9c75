"""A city's climate target, kept as immutable versions (a change is a new version)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, ForeignKeyConstraint, Numeric
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class ClimateTarget(Base, table=True):
    """One version of a city's target: net zero (or a reduction) by ``target_year`` against a
    baseline year, with the residual emissions left and the removals meant to balance them."""

    __tablename__ = "climate_targets"

    city: str = Field(primary_key=True, foreign_key="cities.slug", max_length=64)
    version: int = Field(primary_key=True, ge=1)
    baseline_year: int
    baseline_source: str = Field(max_length=16, description="stated or inventory")
    # Where baseline_source is inventory: the published inventory version the totals came from.
    baseline_inventory: str | None = Field(default=None, max_length=100)
    baseline_reference: str | None = Field(default=None, max_length=500)
    target_year: int
    reduction_percent: Decimal = Field(sa_column=Column(Numeric(6, 3), nullable=False))
    net_zero: bool
    # In the target year, of the sectors the target year applies to (exempted sectors apart).
    residual_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    removals_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    description: str | None = Field(default=None, max_length=2000)
    is_current: bool = Field(default=True, index=True)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class TargetSector(Base, table=True):
    """A GPC sector of a target version: its baseline and the year and cut it must reach.
    An exempted sector has its own (later) year; it stays in every total all the same."""

    __tablename__ = "climate_target_sectors"
    __table_args__ = (
        ForeignKeyConstraint(
            ["city", "version"], ["climate_targets.city", "climate_targets.version"]
        ),
    )

    city: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=4, description="GPC sector I … V")
    baseline_co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    target_year: int
    reduction_percent: Decimal = Field(sa_column=Column(Numeric(6, 3), nullable=False))
    exempted: bool = False
    exemption_reason: str | None = Field(default=None, max_length=500)
