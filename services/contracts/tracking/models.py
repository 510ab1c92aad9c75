"""What contracts keeps of the inventory's events: live emissions per GPC cell and local
month, the inventory versions published, and each tracked action's last computed status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime


class LiveEmissionsMonth(Base, table=True):
    """Live emissions of one GPC cell of a city in one local calendar month (whole mg)."""

    __tablename__ = "live_emissions_months"

    city: str = Field(max_length=64, primary_key=True)
    gpc_reference: str = Field(max_length=32, primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    month: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    co2e_mg: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class PublishedInventory(Base, table=True):
    """An inventory version the inventory published (for checking A-1 baseline references)."""

    __tablename__ = "published_inventories"

    city: str = Field(max_length=64, primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    level: str = Field(max_length=16)
    total_co2e_mg: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    published_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class ActionTracking(Base, table=True):
    """The last computed tracking status of an action of a city's tracked CCC version."""

    __tablename__ = "action_tracking"

    city: str = Field(max_length=64, primary_key=True)
    action_id: str = Field(max_length=32, primary_key=True)
    version: int
    status: str = Field(max_length=16)
    evaluated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    detail: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))


class LiveSensorGroupMonth(Base, table=True):
    """Activity one sensor group of a city measured in one GPC cell and local calendar month,
    in whole millionths of its unit (kWh, L or vehicle-km), so sums are exact in any order."""

    __tablename__ = "live_sensor_group_months"
    __table_args__ = {
        "comment": "Activity measured per sensor group, GPC cell and local month "
        "(millionths of the unit), from inventory.events.v1."
    }

    city: str = Field(max_length=64, primary_key=True)
    sensor_group: str = Field(max_length=64, primary_key=True)
    gpc_reference: str = Field(max_length=32, primary_key=True)
    activity_unit: str = Field(max_length=32, primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    month: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    activity_micro: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    readings: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
