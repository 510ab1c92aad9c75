"""The climate budget on the wire: tCO2e going in, exact ``co2e_mg`` beside ``tco2e`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.inventory.budget.estimate import CellMethod, SectorMethod
from services.inventory.targets.schemas import GpcSector, Tonnes
from shared.events.payloads import PaceStatus
from shared.quantities import TCO2e
from shared.text import NoNul

Text = Annotated[str, NoNul]


class ProjectionWrite(BaseModel):
    """The reference projection of a year per sector: emissions expected without new measures."""

    model_config = ConfigDict(extra="forbid")

    sectors: dict[GpcSector, Tonnes] = Field(min_length=1, description="tCO2e per GPC sector")
    source: Text | None = Field(None, max_length=500, description="e.g. the projection's report")


class MeasureCreate(BaseModel):
    """A measure expected to cut a sector's emissions in the budget year."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    sector: GpcSector
    expected_reduction_tco2e: Tonnes
    contract_action_id: Text | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The id of an action of the city's Climate City Contract: checked against "
        "the actions contracts announced (ccc.portfolio_changed) when it announced any",
    )
    responsible: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=2000)


class MeasurePublic(BaseModel):
    id: str
    city: str
    year: int
    sector: str
    name: str
    description: str | None
    expected_reduction_co2e_mg: int
    expected_reduction_tco2e: TCO2e
    contract_action_id: str | None
    responsible: str | None
    created_by: str
    created_at: datetime


class BudgetLine(BaseModel):
    """A sector's (or the city's) budget for the year. ``gap`` > 0: cuts still missing."""

    ceiling_co2e_mg: int = Field(description="The year's point of the target trajectory")
    ceiling_tco2e: TCO2e
    projected_co2e_mg: int
    projected_tco2e: TCO2e
    measures_co2e_mg: int = Field(description="Sum of the measures' expected reductions")
    measures_tco2e: TCO2e
    projected_after_measures_co2e_mg: int
    projected_after_measures_tco2e: TCO2e
    gap_co2e_mg: int = Field(description="Projected after measures minus the ceiling")
    gap_tco2e: TCO2e


class SectorBudget(BudgetLine):
    sector: GpcSector
    name: str
    projection_basis: Literal["stated", "baseline"] = Field(
        description="stated: the city's reference projection; baseline: emissions as in the "
        "baseline year (no projection stated)"
    )
    exempted: bool
    measures: int


class BudgetSheet(BaseModel):
    city: str
    year: int
    target_version: int
    projection_source: str | None
    total: BudgetLine
    sectors: list[SectorBudget]
    measures: list[MeasurePublic]


class CellEstimatePublic(BaseModel):
    """How one GPC cell's part of the sector's estimate was made."""

    gpc_reference: str
    method: CellMethod = Field(
        description="scaled_by_history: inventory figure * activity ratio * expected share; "
        "measured_over_coverage: measured / coverage; estimated_from_inventory: inventory "
        "figure * expected share; measured_only: what the sensors measured"
    )
    has_live_data: bool
    sensors: int = Field(description="Sensors that measured the cell's activity this year")
    measured_co2e_mg: int
    measured_tco2e: TCO2e
    estimate_co2e_mg: int
    estimate_tco2e: TCO2e
    inventory_co2e_mg: int | None = Field(
        description="The published inventory's figure for the cell, for its whole year"
    )
    inventory_tco2e: TCO2e | None
    activity_ratio: float | None = Field(
        description="This year's measured activity / the same sensors' activity over the same "
        "period of the inventory's year"
    )
    coverage_share: float | None = Field(
        description="Share of the cell's activity its sensors measure (stated or declared)"
    )
    uncovered_sensors: list[str] = Field(
        description="Measuring sensors without a known coverage (the cell has none then)"
    )


class SectorPacePublic(BaseModel):
    sector: GpcSector
    name: str
    status: PaceStatus
    status_since: datetime | None = Field(
        description="When the stored status last changed (current year; none if never stored)"
    )
    has_live_data: bool
    ytd_co2e_mg: int = Field(description="What the sector's sensors measured this year so far")
    ytd_tco2e: TCO2e
    estimate_co2e_mg: int = Field(
        description="Estimate of the whole sector so far (measured + scaled + carried): "
        "what the status compares"
    )
    estimate_tco2e: TCO2e
    measured_co2e_mg: int
    measured_tco2e: TCO2e
    scaled_co2e_mg: int = Field(description="Scaled up from measurements: history or coverage")
    scaled_tco2e: TCO2e
    carried_co2e_mg: int = Field(
        description="Carried from the published inventory, pro-rated by the expected share"
    )
    carried_tco2e: TCO2e
    measured_share: float | None = Field(
        description="measured / estimate; None when the estimate is zero or there is no data"
    )
    method: SectorMethod = Field(
        description="The cells' method when they share one, else mixed; none without data"
    )
    cells: list[CellEstimatePublic]
    ceiling_co2e_mg: int
    ceiling_tco2e: TCO2e
    prorated_ceiling_co2e_mg: int = Field(description="The ceiling times the expected share")
    prorated_ceiling_tco2e: TCO2e
    expected_share: float = Field(description="Share of the year's emissions expected by now")
    profile: Literal["seasonal", "flat"]
    ratio: float | None = Field(description="Estimate / pro-rated ceiling")
    projected_year_end_co2e_mg: int | None = Field(
        description="The estimate scaled to the whole year by the same profile"
    )


class PaceReport(BaseModel):
    """The live estimate per sector against the year's ceilings; see the thresholds."""

    city: str
    year: int = Field(description="The city's local calendar year")
    time_zone: str = Field(description="The zone of the city's calendar, e.g. Europe/Oslo")
    as_of: datetime
    target_version: int
    inventory: str | None = Field(
        description="The published inventory the estimates lean on (city/year/version)"
    )
    thresholds: dict[PaceStatus, str]
    sectors: list[SectorPacePublic]
