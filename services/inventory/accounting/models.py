"""Live accounting: one row per reading (the accounting key), its parts (one per UTC hour an
interval covers), hourly buckets per GPC cell and their monthly roll-up (local months)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Numeric, text
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime, identifier_text

NO_FACTOR = "no_factor"
"""The status of a reading (and a part) that waits for a factor of its activity."""


class AccountedReading(Base, table=True):
    """A reading turned into emissions, with its lineage. ``reading_id`` is the accounting key:
    the database refuses a second row for it, so no replay or retry can count a reading twice."""

    # No index but the key: every query that selects readings by something else reads their
    # parts (the bucket, a factor version, readings waiting for a factor), and each index here
    # was one more entry written per accounted reading (migration 0012).
    __tablename__ = "accounted_readings"

    reading_id: str = Field(primary_key=True, sa_type=identifier_text(36))
    sensor_id: str = Field(max_length=100)
    city: str = Field(max_length=64)
    gpc_reference: str = Field(max_length=16)
    scope: int
    hour: datetime = Field(
        sa_type=UTCDateTime, description="Start of the UTC hour of the reading (its first part)"
    )
    observed_at: datetime = Field(sa_type=UTCDateTime)
    # The end of an interval reading (NULL for a point reading, and for readings before 0006).
    interval_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    activity: str = Field(max_length=64)
    activity_value: Decimal = Field(sa_column=Column(Numeric(24, 9), nullable=False))
    activity_unit: str = Field(max_length=32)
    factor_id: str | None = Field(default=None, max_length=100)
    factor_version: int | None = None
    factor_year: int | None = None
    factor_source: str | None = Field(default=None, max_length=300)
    gwp_set: str | None = Field(default=None, max_length=8)
    gas: str | None = Field(default=None, max_length=8)
    co2e_mg: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(max_length=16, description="accounted, or no_factor / no_activity")
    accounted_at: datetime = Field(sa_type=UTCDateTime)
    # The zone the factor was looked up for (the sensor's, else its city's); NULL before 0002.
    bidding_zone: str | None = Field(default=None, max_length=3)
    # Set when a factor revision (or a factor added later) changed this reading's amount.
    recalculated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountedPart(Base, table=True):
    """The share of one reading in one UTC hour: what its bucket holds, with its own factor.

    A point reading has one part; an interval reading one per clock hour it covers, its
    activity split by duration. Written with the reading, in the same transaction, so a
    reading's parts exist exactly when its row does. The amounts on ``accounted_readings`` are
    the sum of its parts.
    """

    __tablename__ = "accounted_reading_parts"
    __table_args__ = (
        Index("ix_part_bucket", "city", "gpc_reference", "scope", "hour"),
        # A factor revision finds the parts of the superseded version through this.
        Index("ix_part_factor_version", "factor_id", "factor_version"),
        # A new factor finds the parts that were waiting for one, a page of readings at a time;
        # partial, so an accounted part writes no entry here.
        Index(
            "ix_part_no_factor",
            "activity",
            "reading_id",
            postgresql_where=text(f"status = '{NO_FACTOR}'"),
            sqlite_where=text(f"status = '{NO_FACTOR}'"),
        ),
    )

    reading_id: str = Field(primary_key=True, sa_type=identifier_text(36))
    part: int = Field(primary_key=True, description="0, 1, … in time order")
    city: str = Field(max_length=64)
    gpc_reference: str = Field(max_length=16)
    scope: int
    hour: datetime = Field(sa_type=UTCDateTime, description="The UTC hour (its bucket)")
    part_start: datetime = Field(sa_type=UTCDateTime)
    part_end: datetime = Field(sa_type=UTCDateTime)
    local_year: int = Field(description="The city's calendar year of the hour (factor year)")
    activity: str = Field(max_length=64)
    activity_value: Decimal = Field(sa_column=Column(Numeric(24, 9), nullable=False))
    activity_unit: str = Field(max_length=32)
    factor_id: str | None = Field(default=None, max_length=100)
    factor_version: int | None = None
    factor_year: int | None = None
    factor_source: str | None = Field(default=None, max_length=300)
    gwp_set: str | None = Field(default=None, max_length=8)
    gas: str | None = Field(default=None, max_length=8)
    co2e_mg: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(max_length=16, description="accounted, or no_factor / no_activity")
    bidding_zone: str | None = Field(default=None, max_length=3)
    recalculated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmissionBucket(Base, table=True):
    """Sum of accounted readings for one city, GPC cell and UTC hour."""

    __tablename__ = "emission_buckets"

    city: str = Field(primary_key=True, max_length=64)
    gpc_reference: str = Field(primary_key=True, max_length=16)
    scope: int = Field(primary_key=True)
    hour: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    readings: int = 0
    co2e_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class EmissionMonth(Base, table=True):
    """The hourly buckets rolled up per month of the city's local calendar (``month`` is the
    first instant, in UTC, of the local month), kept in the same transactions as the buckets.

    Year-to-date figures and last year's seasonal profile read at most twelve rows per cell,
    so the budget's pace can be evaluated after every accounted batch.
    """

    __tablename__ = "emission_months"

    city: str = Field(primary_key=True, max_length=64)
    gpc_reference: str = Field(primary_key=True, max_length=16)
    scope: int = Field(primary_key=True)
    month: datetime = Field(primary_key=True, sa_type=UTCDateTime, description="First instant")
    readings: int = 0
    co2e_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class EmissionGasMonth(Base, table=True):
    """CO2e per gas of the accounting factor (CO2, CH4, N2O, or CO2e for a factor given in
    CO2e), per month of the city's local calendar, kept in the same transactions as the parts
    it sums (the accounting's, and a recalculation's, which may move mg from one gas to another).

    The live GPC view's breakdown by gas reads at most twelve rows per gas and year here instead
    of summing every part of the year (seconds at ten million readings)."""

    __tablename__ = "emission_gas_months"

    city: str = Field(primary_key=True, max_length=64)
    month: datetime = Field(primary_key=True, sa_type=UTCDateTime, description="First instant")
    gas: str = Field(primary_key=True, max_length=8)
    parts: int = Field(default=0, description="Accounted parts in the sum (a reading per hour)")
    co2e_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_type=UTCDateTime)
