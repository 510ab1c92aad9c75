from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class CellTotal(BaseModel):
    gpc_reference: str
    scope: int
    readings: int
    co2e_mg: int
    tco2e: float


class LiveTotals(BaseModel):
    """A city's live (sensor-based) emissions over a period, in the GPC frame."""

    city: str
    start: datetime | None = Field(description="Inclusive; none means from the first reading")
    end: datetime | None = Field(description="Exclusive; none means up to now")
    readings: int
    co2e_mg: int = Field(description="Exact sum, in milligrams CO2e")
    tco2e: float
    by_scope: dict[str, float] = Field(description="tCO2e per scope")
    cells: list[CellTotal]


class HourlyBucket(BaseModel):
    gpc_reference: str
    scope: int
    hour: datetime
    readings: int
    co2e_mg: int
    tco2e: float


class ReadingLineage(BaseModel):
    """How one reading became emissions: activity, factor version and GWP set."""

    reading_id: str
    sensor_id: str
    gpc_reference: str
    scope: int
    hour: datetime
    observed_at: datetime
    activity: str
    activity_value: Decimal
    activity_unit: str
    factor_id: str | None
    factor_version: int | None
    factor_year: int | None
    factor_source: str | None
    gwp_set: str | None
    gas: str | None
    co2e_mg: int | None
    status: str
