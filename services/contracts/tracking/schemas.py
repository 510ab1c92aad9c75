"""Answers of the tracking API: each action's status and its observed values beside its path."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.payloads import ActionTrackingStatus
from shared.quantities import TCO2e


class MonthPoint(BaseModel):
    """One local month of a GPC reference: what the live inventory measured, and what the
    action's path allowed for it (last year's same month x the path's step)."""

    year: int
    month: int
    observed_tco2e: TCO2e
    path_tco2e: TCO2e | None = Field(
        None, description="None when the same month of the year before has no live data"
    )


class ReferenceJudgement(BaseModel):
    """How the action is judged in one GPC reference of its A-2 sectors."""

    gpc_reference: str
    status: ActionTrackingStatus
    reason: str
    baseline_tco2e: TCO2e | None
    cut_previous_year_tco2e: TCO2e | None
    cut_year_tco2e: TCO2e | None
    months: list[int] = Field(description="Complete local months compared with the year before")
    observed_tco2e: TCO2e | None = Field(None, description="Those months of the judged year")
    previous_year_tco2e: TCO2e | None = None
    allowed_tco2e: TCO2e | None = Field(
        None, description="previous x (baseline - cut this year) / (baseline - cut last year)"
    )
    series: list[MonthPoint]


class ActionIndicatorJudgement(BaseModel):
    """A MEL indicator that follows the action, judged against its own target path."""

    indicator_id: str
    status: ActionTrackingStatus
    reason: str


class ActionTrackingPublic(BaseModel):
    city: str
    version: int
    action_id: str
    action_name: str
    status: ActionTrackingStatus
    year: int = Field(description="The local year judged")
    evaluated_at: datetime
    references: list[ReferenceJudgement]
    indicators: list[ActionIndicatorJudgement] = Field(
        description="The indicators with a live source that name the action in action_ids"
    )
    unjudged_reductions: list[str] = Field(
        description="GPC references of expected cuts outside every A-2 sector: no baseline, "
        "so they cannot be judged"
    )


class IndicatorPoint(BaseModel):
    """One local month of an indicator's live source, and what its target path allowed for it
    (the same month of the year before x target(year) / target(year - 1))."""

    year: int
    month: int
    observed: str = Field(description="In observed_unit, as a decimal string")
    path: str | None = Field(
        None, description="None when the month of the year before has no data or no target"
    )


class IndicatorYear(BaseModel):
    year: int
    observed: str = Field(description="The year's months with data, summed (observed_unit)")
    complete_months: int
    target: str | None = Field(
        None, description="The indicator's target for the year (stated, or linear between)"
    )


class IndicatorJudgement(BaseModel):
    """The indicator's live figure against its target path (docs/contracts.md)."""

    status: ActionTrackingStatus
    reason: str
    year: int = Field(description="The local year judged")
    months: list[int] = Field(description="Complete local months compared with the year before")
    direction: Literal["falling", "rising"] | None = Field(
        None, description="Which way the target path goes (the way the figure must go)"
    )
    target_previous_year: str | None = None
    target_year: str | None = None
    observed: str | None = Field(None, description="Those months of the judged year")
    previous_year: str | None = Field(None, description="The same months of the year before")
    allowed: str | None = Field(
        None,
        description="previous_year x target_year / target_previous_year: the most the months "
        "may hold on a falling path, the least on a rising one",
    )


class IndicatorTrackingPublic(BaseModel):
    city: str
    version: int
    indicator_id: str
    name: str
    unit: str
    live_source: dict[str, object] | None
    tracked: bool
    reason: str
    observed_unit: str | None = Field(
        None,
        description="tCO2e for a GPC source; the group's activity unit (kWh, L or vehicle-km) "
        "for a sensor group",
    )
    series: list[IndicatorPoint]
    years: list[IndicatorYear]
    judgement: IndicatorJudgement
