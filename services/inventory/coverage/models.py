"""Coverage statements of a city, coverage declared by sensors, and each sensor's measured
activity per local month (the same sensors compared with the inventory's year)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Numeric
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime

WHOLE_CELL = ""
"""The ``sensor_group`` of a statement about all the sensors of a cell together."""


class CoverageStatement(Base, table=True):
    """The share of a GPC cell's activity that the city says its sensors measure: all the
    cell's sensors together (``sensor_group`` empty) or one sensor group (sensors sharing a
    ``coverage_group``, or one sensor by its id). It overrides what the sensors declare."""

    __tablename__ = "coverage_statements"

    city: str = Field(primary_key=True, foreign_key="cities.slug", max_length=64)
    gpc_reference: str = Field(primary_key=True, max_length=16)
    sensor_group: str = Field(primary_key=True, max_length=100)
    share: Decimal = Field(sa_column=Column(Numeric(10, 9), nullable=False))
    source: str | None = Field(default=None, max_length=500)
    updated_by: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SensorCoverage(Base, table=True):
    """What a sensor declares in its registry (carried on each reading): its coverage group
    and the share of its cell's activity that the group measures. The newest reading wins."""

    __tablename__ = "sensor_coverage"
    __table_args__ = (Index("ix_sensor_coverage_city", "city"),)

    sensor_id: str = Field(primary_key=True, max_length=100)
    city: str = Field(max_length=64)
    gpc_reference: str = Field(max_length=16)
    coverage_group: str | None = Field(default=None, max_length=64)
    coverage_share: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 9)))
    declared_at: datetime = Field(
        sa_type=UTCDateTime, description="received_at of the reading that carried it"
    )


class SensorActivityMonth(Base, table=True):
    """A sensor's measured activity in one local calendar month of its city (``month`` is
    the UTC instant the local month starts), in millionths of the activity's unit, so sums
    are exact integers. Kept in the accounting transaction of each batch."""

    __tablename__ = "sensor_activity_months"
    __table_args__ = (Index("ix_sensor_activity_city_month", "city", "month"),)

    city: str = Field(primary_key=True, max_length=64)
    gpc_reference: str = Field(primary_key=True, max_length=16)
    sensor_id: str = Field(primary_key=True, max_length=100)
    activity: str = Field(primary_key=True, max_length=64)
    month: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    activity_unit: str = Field(max_length=32)
    readings: int = 0
    activity_micro: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # As accounted (a later factor revision does not rewrite it): it only weighs activities of
    # different kinds against each other inside one cell.
    co2e_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_type=UTCDateTime)
