"""The JSON export of a CCC version, in the template's layout (schema ``klimaby.ccc/1``).

The document's modules as entered, each beside what is computed from it; ``GET
/v1/ccc/export-schema`` serves this model's JSON Schema."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.contracts.actions.schemas import Action, Indicator
from services.contracts.ccc.schemas import (
    ActionComputed,
    BarriersAndStakeholders,
    BaselineReference,
    BaselineView,
    Commitments,
    EmissionsGapModule,
    ImpactPathway,
    SectorGap,
    TransitionPublic,
)
from services.contracts.investment.schemas import FundingGapView, InvestmentPlan
from shared.events.payloads import CccStatus


class ExportedAction(Action):
    computed: ActionComputed


class ActionPlanExport(BaseModel):
    a1_baseline: BaselineReference | None
    a1_baseline_as_known: BaselineView | None = Field(
        description="What contracts has seen of that inventory version (published or not)"
    )
    a2_emissions_gap: EmissionsGapModule
    a2_emissions_gap_computed: list[SectorGap]
    a3_barriers_and_stakeholders: BarriersAndStakeholders
    b1_impact_pathways: list[ImpactPathway]
    b2_actions: list[ExportedAction]
    b2_3_residual_emissions: str
    b3_indicators: list[Indicator]


class InvestmentPlanExport(InvestmentPlan):
    funding_gap: FundingGapView


class PartnerReference(BaseModel):
    """A partner the version refers to, with its name (from the partner register)."""

    id: str
    name: str
    helix: str


class CccExport(BaseModel):
    """A CCC version as one JSON document."""

    schema_: Literal["klimaby.ccc/1"] = Field("klimaby.ccc/1", alias="schema")
    city: str
    version: int
    status: CccStatus
    title: str
    exported_at: datetime
    commitments: Commitments
    action_plan: ActionPlanExport
    investment_plan: InvestmentPlanExport
    history: list[TransitionPublic]
    partners: list[PartnerReference] = Field(
        description="Every partner the version refers to (responsible, stakeholders, map)"
    )

    model_config = {"populate_by_name": True}
