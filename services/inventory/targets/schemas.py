"""Climate targets on the wire. Amounts in tCO2e (up to 9 decimals: whole milligrams) going in;
coming out, exact integer ``co2e_mg`` beside ``tco2e`` for readers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.jsontypes import JSONIntegerCheck
from shared.quantities import TCO2e
from shared.text import NoNul

GpcSector = Literal["I", "II", "III", "IV", "V"]
"""A GPC sector: I stationary energy, II transportation, III waste, IV IPPU, V AFOLU."""

FIRST_YEAR, LAST_YEAR = 1990, 2100
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR), JSONIntegerCheck]
# 10^9 t is far above any city and keeps sums of milligrams inside a 64-bit integer.
Tonnes = Annotated[
    Decimal,
    Field(ge=0, le=1_000_000_000, decimal_places=9, description="tCO2e (at most 9 decimals)"),
]
Percent = Annotated[Decimal, Field(gt=0, le=100, decimal_places=3)]

MG_PER_TONNE = 1_000_000_000


def to_mg(tonnes: Decimal) -> int:
    """Exact: the schema allows at most nine decimals of a tonne."""
    return int(tonnes * MG_PER_TONNE)


class StatedBaseline(BaseModel):
    """Baseline totals per sector given as data (e.g. from a report kept elsewhere)."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["stated"]
    year: Year
    sectors: dict[GpcSector, Tonnes] = Field(
        min_length=1, description="tCO2e per GPC sector in the baseline year"
    )
    reference: str | None = Field(None, max_length=500, description="Where the figures come from")


class InventoryBaseline(BaseModel):
    """Baseline totals read from the city's published inventory of ``year``."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["inventory"]
    year: Year
    version: Annotated[int, Field(ge=1), JSONIntegerCheck] | None = Field(
        None, description="A published version; none means the newest published one"
    )


Baseline = Annotated[StatedBaseline | InventoryBaseline, Field(discriminator="source")]


class ExemptionIn(BaseModel):
    """A sector given a later target year (e.g. transport to 2040); it stays in every total."""

    model_config = ConfigDict(extra="forbid")

    sector: GpcSector
    target_year: Year
    reduction_percent: Percent | None = Field(
        None, description="The sector's cut by its own year; none means the city's"
    )
    reason: Annotated[str, NoNul] = Field(min_length=1, max_length=500)


class TargetCreate(BaseModel):
    """A new version of the city's target (the previous one stays readable)."""

    model_config = ConfigDict(extra="forbid")

    baseline: Baseline
    target_year: Year = Field(description="e.g. 2030")
    reduction_percent: Percent = Field(
        description="Cut of gross emissions from the baseline by the target year, in %"
    )
    net_zero: bool = Field(
        True, description="Net zero: removals must balance the residual emissions"
    )
    removals_tco2e: Tonnes = Field(
        Decimal(0), description="Removals planned for the target year (e.g. carbon capture)"
    )
    exemptions: list[ExemptionIn] = Field(default_factory=list, max_length=5)
    description: Annotated[str, NoNul] | None = Field(None, max_length=2000)


class SectorTargetPublic(BaseModel):
    sector: GpcSector
    name: str
    baseline_co2e_mg: int
    baseline_tco2e: TCO2e
    target_year: int
    reduction_percent: Decimal
    target_co2e_mg: int = Field(description="What the sector may emit from its target year on")
    target_tco2e: TCO2e
    exempted: bool
    exemption_reason: str | None


class TargetPublic(BaseModel):
    city: str
    version: int
    is_current: bool
    baseline_year: int
    baseline_source: Literal["stated", "inventory"]
    baseline_inventory: str | None = Field(description="The inventory version the baseline is")
    baseline_reference: str | None
    baseline_co2e_mg: int
    baseline_tco2e: TCO2e
    target_year: int
    reduction_percent: Decimal
    net_zero: bool
    residual_co2e_mg: int = Field(
        description="Emissions left in the target year by the sectors it applies to"
    )
    residual_tco2e: TCO2e
    removals_co2e_mg: int
    removals_tco2e: TCO2e
    exempted_in_target_year_co2e_mg: int = Field(
        description="What exempted sectors still emit in the city's target year (in all totals)"
    )
    sectors: list[SectorTargetPublic]
    description: str | None
    created_by: str
    created_at: datetime


class TrajectoryPoint(BaseModel):
    year: int
    co2e_mg: int
    tco2e: TCO2e


class SectorTrajectory(BaseModel):
    sector: GpcSector
    name: str
    target_year: int
    exempted: bool
    points: list[TrajectoryPoint]


class Trajectory(BaseModel):
    """Linear per sector, baseline year to target year and flat after; the city's line is the
    exact sum of its sectors'."""

    city: str
    version: int
    baseline_year: int
    target_year: int
    city_trajectory: list[TrajectoryPoint]
    sectors: list[SectorTrajectory]
