"""The CCC document (commitments, action plan, investment plan) and the API's bodies.

A version's document is stored whole, as validated here; the computed parts (costs per
tCO2e, the emissions gap, the funding gap) are never stored, they are derived on every read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.contracts.actions.schemas import (
    Action,
    ActionId,
    GpcReference,
    Indicator,
    Name,
    Text,
    Tonnes,
    Year,
)
from services.contracts.investment.schemas import InvestmentPlan
from shared.events.payloads import CccStatus
from shared.jsontypes import JSONIntegerCheck
from shared.quantities import TCO2e
from shared.text import StoredText

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
Item = Annotated[StoredText, Field(min_length=1, max_length=1000)]

MODULES = (
    "commitments",
    "a1_baseline",
    "a2_emissions_gap",
    "a3_barriers_and_stakeholders",
    "b1_impact_pathways",
    "b2_actions",
    "b2_3_residual_emissions",
    "b3_indicators",
    "investment_plan",
)
Module = Literal[
    "commitments",
    "a1_baseline",
    "a2_emissions_gap",
    "a3_barriers_and_stakeholders",
    "b1_impact_pathways",
    "b2_actions",
    "b2_3_residual_emissions",
    "b3_indicators",
    "investment_plan",
]


class Commitments(BaseModel):
    """Part A of the CCC: the city's commitments."""

    model_config = _STRICT

    goal_and_scope: Text = ""
    priorities: list[Item] = Field(default_factory=list, max_length=100)
    principles: list[Item] = Field(default_factory=list, max_length=100)
    national_and_regional_support: Text = ""
    monitoring_and_amending: Text = ""
    stakeholder_mou_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=500,
        description="The MoUs holding the stakeholders' commitments (by id; kept by the MoU "
        "module of this service)",
    )


class BaselineReference(BaseModel):
    """A-1: which published inventory version of the inventory service is the baseline.

    A reference, not a copy: the figures stay in the inventory."""

    model_config = _STRICT

    city: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
    year: Year
    version: Annotated[int, Field(ge=1, le=10_000), JSONIntegerCheck]


class SectorTarget(BaseModel):
    """A-2: one sector's baseline and target as the city states them, with their source."""

    model_config = _STRICT

    gpc_reference: GpcReference
    baseline_year: Year
    baseline_tco2e: Annotated[TCO2e, Field(gt=0, le=10**9, decimal_places=9)]
    target_year: Year
    target_tco2e: Tonnes
    source: Annotated[StoredText, Field(min_length=1, max_length=500)] = Field(
        description="Where the figures come from, e.g. 'inventory oslo 2022 v1; target v3'"
    )

    @model_validator(mode="after")
    def _ordered(self) -> SectorTarget:
        if self.target_year <= self.baseline_year:
            raise ValueError("target_year must be after baseline_year")
        return self


class EmissionsGapModule(BaseModel):
    """A-2: policy assessment and the sectors' baselines and targets the gap is computed from."""

    model_config = _STRICT

    policy_assessment: Text = ""
    sectors: list[SectorTarget] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_per_sector(self) -> EmissionsGapModule:
        refs = [s.gpc_reference for s in self.sectors]
        duplicates = sorted({r for r in refs if refs.count(r) > 1})
        if duplicates:
            raise ValueError(f"sectors listed twice: {', '.join(duplicates)}")
        return self


class Barrier(BaseModel):
    model_config = _STRICT

    description: Item
    lever: Annotated[StoredText, Field(max_length=200)] = ""


class StakeholderEntry(BaseModel):
    """A partner on the stakeholder map, with its interest and influence."""

    model_config = _STRICT

    partner_id: uuid.UUID
    role: Annotated[StoredText, Field(max_length=500)] = ""
    influence: Literal["low", "medium", "high"] = "medium"
    interest: Literal["low", "medium", "high"] = "medium"


class BarriersAndStakeholders(BaseModel):
    """A-3: systemic barriers and the stakeholder map (quadruple helix)."""

    model_config = _STRICT

    barriers: list[Barrier] = Field(default_factory=list, max_length=100)
    stakeholder_map: list[StakeholderEntry] = Field(default_factory=list, max_length=500)


class ImpactPathway(BaseModel):
    """B-1: how a group of actions leads to outcomes and impact."""

    model_config = _STRICT

    name: Name
    description: Text = ""
    action_ids: list[ActionId] = Field(default_factory=list, max_length=200)
    outcomes: list[Item] = Field(default_factory=list, max_length=50)


class CccDocument(BaseModel):
    """A CCC version's content, module by module."""

    model_config = _STRICT

    title: Annotated[StoredText, Field(max_length=300)] = ""
    commitments: Commitments = Field(default_factory=Commitments)
    a1_baseline: BaselineReference | None = None
    a2_emissions_gap: EmissionsGapModule = Field(default_factory=EmissionsGapModule)
    a3_barriers_and_stakeholders: BarriersAndStakeholders = Field(
        default_factory=BarriersAndStakeholders
    )
    b1_impact_pathways: list[ImpactPathway] = Field(default_factory=list, max_length=100)
    b2_actions: list[Action] = Field(default_factory=list, max_length=500)
    b2_3_residual_emissions: Text = ""
    b3_indicators: list[Indicator] = Field(default_factory=list, max_length=500)
    investment_plan: InvestmentPlan = Field(default_factory=InvestmentPlan)


class CccPatch(BaseModel):
    """Modules to replace in a draft (or a version whose revision was requested); a module
    left out stays as it is."""

    model_config = _STRICT

    title: Annotated[StoredText, Field(max_length=300)] | None = None
    commitments: Commitments | None = None
    a1_baseline: BaselineReference | None = None
    a2_emissions_gap: EmissionsGapModule | None = None
    a3_barriers_and_stakeholders: BarriersAndStakeholders | None = None
    b1_impact_pathways: list[ImpactPathway] | None = Field(None, max_length=100)
    b2_actions: list[Action] | None = Field(None, max_length=500)
    b2_3_residual_emissions: Text | None = None
    b3_indicators: list[Indicator] | None = Field(None, max_length=500)
    investment_plan: InvestmentPlan | None = None


Transition = Literal["submit", "start_review", "request_revision", "resubmit", "award"]


class TransitionRequest(BaseModel):
    """Move a version along the lifecycle, with comments per module."""

    model_config = _STRICT

    transition: Transition
    comments: dict[Module, Annotated[StoredText, Field(max_length=5000)]] = Field(
        default_factory=dict, description="Comments per CCC module (module name → text)"
    )


class TransitionPublic(BaseModel):
    """One step of a version's history."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    transition: str
    from_status: CccStatus | None
    to_status: CccStatus
    by: str
    at: datetime
    comments: dict[str, str]


class TrajectoryYear(BaseModel):
    """One year of a sector's A-2 trajectory: what the target path allows, what the portfolio
    leaves, and the gap between them."""

    year: int
    trajectory_tco2e: TCO2e = Field(
        description="Linear from the baseline (baseline year) to the target (target year)"
    )
    portfolio_reduction_tco2e: TCO2e
    expected_tco2e: TCO2e = Field(description="baseline - the portfolio's cut that year")
    gap_tco2e: TCO2e = Field(description="expected - trajectory; above zero: cuts missing")


class SectorGap(BaseModel):
    """A-2 computed: baseline - target - the portfolio's expected cut in the target year."""

    gpc_reference: str
    baseline_year: int
    baseline_tco2e: TCO2e
    target_year: int
    target_tco2e: TCO2e
    required_reduction_tco2e: TCO2e = Field(description="baseline - target")
    portfolio_reduction_tco2e: TCO2e = Field(
        description="Sum of the B-2 actions' expected cuts in this sector in the target year"
    )
    gap_tco2e: TCO2e = Field(description="required - portfolio; above zero: cuts still missing")
    source: str = Field(description="Where baseline and target come from, as the city states")
    trajectory: list[TrajectoryYear] = Field(
        description="Each year from the baseline year to the target year"
    )


class BaselineView(BaseModel):
    """A-1 as read: the reference and what contracts knows of that inventory version."""

    city: str
    year: int
    version: int
    published: bool = Field(
        description="Whether contracts has seen the inventory publish this version "
        "(no.klimaby.inventory.published on inventory.events.v1)"
    )
    total_tco2e: TCO2e | None = Field(None, description="The total of its level, from the event")
    level: str | None = None
    link: str = Field(description="Where the inventory serves the version itself")


class ActionComputed(BaseModel):
    """Derived from the action and the investment plan, never entered."""

    action_id: str
    total_cost_nok: str
    cumulative_reduction_tco2e: TCO2e = Field(
        description="The expected cuts summed over every year from the first to the last "
        "stated year (linear between stated years)"
    )
    cost_per_tco2e_nok: str | None = Field(
        description="total cost / cumulative reduction; none when no reduction is expected"
    )


class CccVersionPublic(BaseModel):
    """One version of a city's CCC with the figures computed from it."""

    city: str
    version: int
    status: CccStatus
    copied_from_version: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    document: CccDocument
    baseline: BaselineView | None
    emissions_gap: list[SectorGap]
    actions: list[ActionComputed]


class CccVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    city: str
    version: int
    status: CccStatus
    copied_from_version: int | None
    created_at: datetime
    updated_at: datetime


class CccOverview(BaseModel):
    """A city's CCC: its versions, which holds the Mission Label, which is tracked."""

    city: str
    versions: list[CccVersionSummary]
    label_awarded_version: int | None = Field(description="The newest version with the label")
    tracked_version: int = Field(
        description="The version whose actions are tracked: the newest with the label, "
        "else the newest"
    )


class Change(BaseModel):
    """One difference between two versions, at a JSON pointer into the document."""

    path: str = Field(description="JSON pointer; list items with an id are named by it")
    change: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None


class CccDiff(BaseModel):
    city: str
    from_version: int
    to_version: int
    changes: list[Change]
