"""The climate budget on the wire: tCO2e going in, exact ``co2e_mg`` beside ``tco2e`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.inventory.targets.schemas import GpcSector, Tonnes
from shared.events.payloads import PaceStatus
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
    expected_reduction_tco2e: float
    contract_action_id: str | None
    responsible: str | None
    created_by: str
    created_at: datetime


class BudgetLine(BaseModel):
    """A sector's (or the city's) budget for the year. ``gap`` > 0: cuts still missing."""

    ceiling_co2e_mg: int = Field(description="The year's point of the target trajectory")
    ceiling_tco2e: float
    projected_co2e_mg: int
    projected_tco2e: float
    measures_co2e_mg: int = Field(description="Sum of the measures' expected reductions")
    measures_tco2e: float
    projected_after_measures_co2e_mg: int
    projected_after_measures_tco2e: float
    gap_co2e_mg: int = Field(description="Projected after measures minus the ceiling")
    gap_tco2e: float


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


class SectorPacePublic(BaseModel):
    sector: GpcSector
    name: str
    status: PaceStatus
    status_since: datetime | None = Field(
        description="When the stored status last changed (current year; none if never stored)"
    )
    has_live_data: bool
    ytd_co2e_mg: int
    ytd_tco2e: float
    ceiling_co2e_mg: int
    ceiling_tco2e: float
    prorated_ceiling_co2e_mg: int = Field(description="The ceiling times the expected share")
    prorated_ceiling_tco2e: float
    expected_share: float = Field(description="Share of the year's emissions expected by now")
    profile: Literal["seasonal", "flat"]
    ratio: float | None = Field(description="Year-to-date / pro-rated ceiling")
    projected_year_end_co2e_mg: int | None = Field(
        description="The year-to-date scaled to the whole year by the same profile"
    )


class PaceReport(BaseModel):
    """Live year-to-date against the year's ceilings; see the thresholds."""

    city: str
    year: int
    as_of: datetime
    target_version: int
    thresholds: dict[PaceStatus, str]
    sectors: list[SectorPacePublic]
