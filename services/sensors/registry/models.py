"""Sensors: what they measure, in which canonical unit, and how the inventory accounts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime


class Sensor(Base, table=True):
    __tablename__ = "sensors"
    __table_args__ = (UniqueConstraint("gateway_id", "external_id"),)

    id: str = Field(primary_key=True, max_length=100)
    external_id: str = Field(max_length=200, description="The gateway's own name for it")
    gateway_id: str = Field(foreign_key="gateways.id", index=True, max_length=40)
    city: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32, description="energy_meter or traffic_counter")
    quantity: str = Field(max_length=32, description="energy, fuel_volume or vehicle_count")
    unit: str = Field(max_length=16, description="Canonical unit: kWh, L or {vehicle}")
    value_type: str = Field(default="interval", max_length=16, description="interval or cumulative")
    status: str = Field(default="active", max_length=16, description="active or inactive")
    expected_interval_s: int | None = Field(
        default=None, description="How often it reports; silence beyond it makes it stale"
    )
    plausible_min: float | None = Field(
        default=None, description="Smallest plausible amount of one reading (canonical unit)"
    )
    plausible_max: float | None = Field(
        default=None, description="Largest plausible amount of one reading (canonical unit)"
    )
    latitude: float | None = None
    longitude: float | None = None
    gpc_reference: str = Field(max_length=16)
    energy_carrier: str | None = Field(default=None, max_length=32)
    bidding_zone: str | None = Field(default=None, max_length=3)
    road_segment_km: float | None = None
    vehicle_class: str | None = Field(default=None, max_length=16)
    # Coverage: the group of sensors this one measures with, and the share of its GPC cell's
    # activity the group measures (the inventory scales the cell's estimate by it).
    coverage_group: str | None = Field(default=None, max_length=64)
    coverage_share: float | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
