from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from services.sensors.fields import Text
from shared.events.payloads import BiddingZone, EnergyCarrier, SensorKind, VehicleClass
from shared.jsontypes import JSONFloat, JSONIntegerCheck

# Energy cells I.x.1-3 (I.4.4 too) and transport cells II.x.1-3: what a meter or counter measures.
GPC_ENERGY = re.compile(r"^I\.[1-8]\.[1-4]$")
GPC_TRANSPORT = re.compile(r"^II\.[1-5]\.[1-3]$")
FUELS = {"diesel", "petrol"}
# Energy is accounted where it is used. In transport, fuel burnt in the vehicle or vessel is
# scope 1 (II.x.1: ferry or off-road diesel on II.3.1, II.5.1) and energy drawn from a grid is
# scope 2 (II.x.2: bus and tram charging on II.1.2, II.2.2); II.x.3 (out-of-boundary trips) is
# not metered in the city.
GRID_CARRIERS = {"electricity", "district_heating"}
GPC_TRANSPORT_FUEL = re.compile(r"^II\.[1-5]\.1$")
GPC_TRANSPORT_GRID = re.compile(r"^II\.[1-5]\.2$")
MAX_EXPECTED_INTERVAL_S = 31 * 86400
ExpectedInterval = Annotated[int, Field(ge=1, le=MAX_EXPECTED_INTERVAL_S), JSONIntegerCheck]
COVERAGE_GROUP_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"

ValueType = Literal["interval", "cumulative"]
SensorStatus = Literal["active", "inactive"]


def quantity_of(kind: str, energy_carrier: str | None) -> str:
    if kind == "traffic_counter":
        return "vehicle_count"
    return "fuel_volume" if energy_carrier in FUELS else "energy"


def unit_of(quantity: str) -> str:
    return {"vehicle_count": "{vehicle}", "fuel_volume": "L", "energy": "kWh"}[quantity]


class SensorFields(BaseModel):
    """What an administrator may set on a sensor, and the rules that tie it to its kind."""

    kind: SensorKind
    gpc_reference: Text = Field(
        max_length=16, description="GPC cell, e.g. I.1.2 (residential, grid energy)"
    )
    energy_carrier: EnergyCarrier | None = Field(
        None, description="energy meters; default electricity"
    )
    bidding_zone: BiddingZone | None = None
    road_segment_km: JSONFloat | None = Field(None, gt=0, le=1000, description="traffic counters")
    vehicle_class: VehicleClass | None = Field(None, description="traffic counters; default car")
    latitude: JSONFloat | None = Field(None, ge=-90, le=90)
    longitude: JSONFloat | None = Field(None, ge=-180, le=180)
    coverage_group: str | None = Field(
        None,
        pattern=COVERAGE_GROUP_PATTERN,
        description="Sensors of one cell that measure together (e.g. kommunale-bygg)",
    )
    coverage_share: JSONFloat | None = Field(
        None,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Share of the GPC cell's activity that the sensor (or its group) measures, "
        "0 < share <= 1 (0.12 = 12 %)",
    )
    expected_interval_s: ExpectedInterval | None = Field(
        None,
        description="How often the sensor reports; silent longer than this it is stale",
    )
    plausible_min: JSONFloat | None = Field(
        None, ge=0, allow_inf_nan=False, description="Smallest plausible amount per reading"
    )
    plausible_max: JSONFloat | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Largest plausible amount per reading (for a register: per delta), in the "
        "sensor's canonical unit",
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> SensorFields:
        if self.kind == "energy_meter":
            carrier = self.energy_carrier or "electricity"
            if GPC_TRANSPORT.match(self.gpc_reference):
                in_use = GPC_TRANSPORT_GRID if carrier in GRID_CARRIERS else GPC_TRANSPORT_FUEL
                if not in_use.match(self.gpc_reference):
                    raise ValueError(
                        f"gpc_reference: {carrier} used in transport belongs to "
                        + (
                            "a grid-energy cell II.x.2 (e.g. II.1.2, bus charging)"
                            if carrier in GRID_CARRIERS
                            else "a fuel cell II.x.1 (e.g. II.3.1, ferry fuel)"
                        )
                    )
            elif not GPC_ENERGY.match(self.gpc_reference):
                raise ValueError(
                    "gpc_reference: an energy meter belongs to a stationary energy cell (I.x.y) "
                    "or a transport cell where the energy is used (II.x.1 fuel, II.x.2 grid)"
                )
            if self.road_segment_km is not None:
                raise ValueError("road_segment_km: only traffic counters have a road segment")
            if self.vehicle_class is not None:
                raise ValueError("vehicle_class: only traffic counters count vehicles")
        else:
            if self.gpc_reference != "II.1.1":
                raise ValueError("gpc_reference: a traffic counter belongs to II.1.1 (on-road)")
            if self.road_segment_km is None:
                raise ValueError("road_segment_km: a traffic counter needs its segment length")
            if self.energy_carrier is not None:
                raise ValueError("energy_carrier: only energy meters have an energy carrier")
        if (
            self.plausible_min is not None
            and self.plausible_max is not None
            and self.plausible_min > self.plausible_max
        ):
            raise ValueError("plausible_min: above plausible_max")
        return self

    @property
    def quantity(self) -> str:
        return quantity_of(self.kind, self.energy_carrier)

    @property
    def unit(self) -> str:
        return unit_of(self.quantity)


def error_field(error: Mapping[str, Any]) -> str:
    """The field a validation error is about; the kind rules above name it before a colon."""
    if error.get("loc"):
        return str(error["loc"][0])
    found = re.match(r"^(?:Value error, )?([a-z_]+): ", str(error.get("msg", "")))
    return found.group(1) if found else ""


class SensorCreate(SensorFields):
    external_id: Text = Field(
        min_length=1, max_length=200, description="The gateway's own name for the sensor"
    )
    value_type: ValueType = Field(
        "interval",
        description="interval: each value is the amount over its interval; cumulative: each "
        "value is a register reading, turned into deltas",
    )


class SensorUpdate(BaseModel):
    """Fields to change. Kind, value type and external id are fixed: register a new sensor."""

    model_config = {"extra": "forbid"}

    gpc_reference: Text | None = Field(None, max_length=16)
    energy_carrier: EnergyCarrier | None = None
    bidding_zone: BiddingZone | None = None
    road_segment_km: JSONFloat | None = Field(None, gt=0, le=1000)
    vehicle_class: VehicleClass | None = None
    latitude: JSONFloat | None = Field(None, ge=-90, le=90)
    longitude: JSONFloat | None = Field(None, ge=-180, le=180)
    coverage_group: str | None = Field(None, pattern=COVERAGE_GROUP_PATTERN)
    coverage_share: JSONFloat | None = Field(None, gt=0, le=1, allow_inf_nan=False)
    expected_interval_s: ExpectedInterval | None = None
    plausible_min: JSONFloat | None = Field(None, ge=0, allow_inf_nan=False)
    plausible_max: JSONFloat | None = Field(None, gt=0, allow_inf_nan=False)
    status: SensorStatus | None = Field(
        None, description="inactive: its readings are refused until it is active again"
    )


class SensorPublic(BaseModel):
    id: str
    external_id: str
    gateway_id: str
    city: str
    kind: str
    quantity: str
    unit: str
    value_type: str
    status: str
    gpc_reference: str
    energy_carrier: str | None
    bidding_zone: str | None
    road_segment_km: float | None
    vehicle_class: str | None
    latitude: float | None
    longitude: float | None
    coverage_group: str | None
    coverage_share: float | None
    expected_interval_s: int | None
    plausible_min: float | None
    plausible_max: float | None
    created_at: datetime
    updated_at: datetime | None


class BulkRow(BaseModel):
    row: int = Field(description="Data row, counting from 1 (the header is row 0)")
    status: Literal["created", "rejected"]
    sensor_id: str | None = None
    problem: dict[str, Any] | None = None


class BulkResult(BaseModel):
    created: int
    rejected: int
    results: list[BulkRow] = Field(description="One per data row, in file order")
