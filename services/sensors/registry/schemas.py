from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shared.events.payloads import BiddingZone, EnergyCarrier, SensorKind, VehicleClass

# Energy cells I.x.1-3 (I.4.4 too) and transport cells II.x.1-3: what a meter or counter measures.
GPC_ENERGY = re.compile(r"^I\.[1-8]\.[1-4]$")
GPC_TRANSPORT = re.compile(r"^II\.[1-5]\.[1-3]$")
FUELS = {"diesel", "petrol"}


class SensorCreate(BaseModel):
    external_id: str = Field(min_length=1, max_length=200)
    kind: SensorKind
    gpc_reference: str = Field(description="GPC cell, e.g. I.1.2 (residential, grid energy)")
    energy_carrier: EnergyCarrier | None = Field(
        None, description="energy meters; default electricity"
    )
    bidding_zone: BiddingZone | None = None
    road_segment_km: float | None = Field(None, gt=0, le=1000, description="traffic counters")
    vehicle_class: VehicleClass | None = Field(None, description="traffic counters; default car")
    value_type: Literal["interval"] = Field(
        "interval", description="Interval amounts; cumulative registers come with issue 3/3"
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    @model_validator(mode="after")
    def _fits_kind(self) -> SensorCreate:
        if self.kind == "energy_meter":
            if not GPC_ENERGY.match(self.gpc_reference):
                raise ValueError(
                    "gpc_reference: an energy meter belongs to a stationary energy cell (I.x.y)"
                )
            if self.road_segment_km is not None or self.vehicle_class is not None:
                raise ValueError("road_segment_km/vehicle_class are for traffic counters")
        else:
            if self.gpc_reference != "II.1.1":
                raise ValueError("gpc_reference: a traffic counter belongs to II.1.1 (on-road)")
            if self.road_segment_km is None:
                raise ValueError("road_segment_km: a traffic counter needs its segment length")
            if self.energy_carrier is not None:
                raise ValueError("energy_carrier is for energy meters")
        return self

    @property
    def quantity(self) -> str:
        if self.kind == "traffic_counter":
            return "vehicle_count"
        return "fuel_volume" if self.energy_carrier in FUELS else "energy"

    @property
    def unit(self) -> str:
        return {"vehicle_count": "{vehicle}", "fuel_volume": "L", "energy": "kWh"}[self.quantity]


class SensorPublic(BaseModel):
    id: str
    external_id: str
    gateway_id: str
    city: str
    kind: str
    quantity: str
    unit: str
    value_type: str
    gpc_reference: str
    energy_carrier: str | None
    bidding_zone: str | None
    road_segment_km: float | None
    vehicle_class: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
