"""Answers of the tracking API: each action's status and its observed values beside its path."""

from __future__ import annotations

from datetime import datetime

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


class ActionTrackingPublic(BaseModel):
    city: str
    version: int
    action_id: str
    action_name: str
    status: ActionTrackingStatus
    year: int = Field(description="The local year judged")
    evaluated_at: datetime
    references: list[ReferenceJudgement]
    unjudged_reductions: list[str] = Field(
        description="GPC references of expected cuts outside every A-2 sector: no baseline, "
        "so they cannot be judged"
    )


class IndicatorYear(BaseModel):
    year: int
    observed_tco2e: TCO2e
    complete_months: int
    target: str | None = Field(
        None, description="The indicator's target for the year (stated, or linear between)"
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
    series: list[MonthPoint]
    years: list[IndicatorYear]
