"""B-2 actions and B-3 MEL indicators as the NetZeroCities CCC template lists them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.jsontypes import JSONIntegerCheck
from shared.quantities import TCO2e
from shared.text import StoredText

ACTION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
ActionId = Annotated[
    str,
    Field(pattern=ACTION_ID_PATTERN, description="The city's own id of the action, e.g. TR-01"),
]
IndicatorId = Annotated[
    str, Field(pattern=ACTION_ID_PATTERN, description="The city's own id, e.g. IND-TR-1")
]
# A GPC sector (II), subsector (II.1) or cell (II.1.1): what an expected cut or a live source
# is about. Roman sector, then up to two numbers.
GPC_REFERENCE_PATTERN = r"^(I|II|III|IV|V)(\.[1-9]){0,2}$"
GpcReference = Annotated[
    str,
    Field(
        pattern=GPC_REFERENCE_PATTERN,
        description="GPC sector (II), subsector (II.1) or cell (II.1.1)",
        examples=["II.1"],
    ),
]
Year = Annotated[int, Field(ge=2000, le=2100), JSONIntegerCheck]

FieldOfAction = Literal[
    "land_use_and_transport", "buildings_and_energy", "consumption_and_waste", "adaptation"
]
SystemicLever = Literal[
    "technology_and_infrastructure",
    "governance_and_policy",
    "social_innovation",
    "democracy_and_participation",
    "finance_and_funding",
    "learning_and_capabilities",
]
ImplementationStatus = Literal[
    "planned", "in_preparation", "in_progress", "completed", "delayed", "cancelled"
]
# Whole tonnes are fine for a plan, but the template's figures may carry decimals.
Tonnes = Annotated[TCO2e, Field(ge=0, le=Decimal(10) ** 9, decimal_places=9)]
Energy = Annotated[Decimal, Field(ge=0, le=Decimal(10) ** 9, decimal_places=3)]
Text = Annotated[StoredText, Field(max_length=5000)]
Name = Annotated[StoredText, Field(min_length=1, max_length=300)]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Milestone(BaseModel):
    model_config = _STRICT

    name: Name
    due: date
    reached: bool = False


class Timeline(BaseModel):
    """When the action runs, with its milestones."""

    model_config = _STRICT

    start: date
    end: date | None = None
    milestones: list[Milestone] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ordered(self) -> Timeline:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class ExpectedReduction(BaseModel):
    """The cut the action is expected to make in one GPC sector in one year, against the
    baseline (a yearly amount: "9 500 t in road transport in 2030")."""

    model_config = _STRICT

    gpc_reference: GpcReference
    year: Year
    reduction_tco2e: Tonnes


class Action(BaseModel):
    """One action of the B-2 portfolio."""

    model_config = _STRICT

    id: ActionId
    name: Name
    type: Annotated[StoredText, Field(min_length=1, max_length=100)] = Field(
        description="The kind of action, in the city's words (regulation, investment, pilot …)"
    )
    description: Text = ""
    field_of_action: FieldOfAction
    systemic_lever: SystemicLever
    responsible_partner_id: uuid.UUID | None = Field(
        None, description="The partner responsible; none means the municipality itself"
    )
    responsible_unit: Annotated[StoredText, Field(max_length=200)] = Field(
        "", description="The municipal agency or the partner's unit in charge"
    )
    stakeholder_partner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    timeline: Timeline
    energy_removed_mwh_per_year: Energy = Decimal(0)
    energy_substituted_mwh_per_year: Energy = Decimal(0)
    expected_reductions: list[ExpectedReduction] = Field(default_factory=list, max_length=200)
    depends_on: list[ActionId] = Field(
        default_factory=list, max_length=100, description="Actions this one needs first"
    )
    implementation_status: ImplementationStatus = "planned"

    @model_validator(mode="after")
    def _unique_lines(self) -> Action:
        seen: set[tuple[str, int]] = set()
        for line in self.expected_reductions:
            key = (line.gpc_reference, line.year)
            if key in seen:
                raise ValueError(f"two expected reductions for {line.gpc_reference} in {line.year}")
            seen.add(key)
        if self.id in self.depends_on:
            raise ValueError(f"action {self.id} cannot depend on itself")
        return self


class GpcLiveSource(BaseModel):
    """The indicator follows a GPC sector, subsector or cell of the live inventory (tCO2e)."""

    model_config = _STRICT

    kind: Literal["gpc"]
    gpc_reference: GpcReference


class SensorGroupLiveSource(BaseModel):
    """The indicator follows a group of the city's sensors: the sensors registered with this
    ``coverage_group`` in the sensors service, whose measured activity the inventory's
    ``emissions.accounted`` events carry per group, GPC cell and month."""

    model_config = _STRICT

    kind: Literal["sensor_group"]
    group: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The sensors' coverage group (as registered in the sensors service); "
        "without it the indicator is not followed live",
    )
    sensor_ids: list[Annotated[StoredText, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=500,
        description="The group's sensors, for the reader (ids as the sensors service gives)",
    )

    @model_validator(mode="after")
    def _named(self) -> SensorGroupLiveSource:
        if self.group is None and not self.sensor_ids:
            raise ValueError("a sensor group names its coverage group (group) or its sensor_ids")
        return self


LiveSource = Annotated[GpcLiveSource | SensorGroupLiveSource, Field(discriminator="kind")]
TargetValue = Annotated[
    Decimal, Field(ge=-(Decimal(10) ** 12), le=Decimal(10) ** 12, decimal_places=6)
]


class Indicator(BaseModel):
    """A B-3 monitoring, evaluation and learning (MEL) indicator."""

    model_config = _STRICT

    id: IndicatorId
    name: Name
    unit: Annotated[StoredText, Field(min_length=1, max_length=50)]
    definition: Text = ""
    calculation: Text = ""
    data_source: Annotated[StoredText, Field(max_length=500)] = ""
    collection_interval: Literal["continuous", "monthly", "quarterly", "yearly"] = "yearly"
    target_2025: TargetValue | None = None
    target_2027: TargetValue | None = None
    target_2030: TargetValue | None = None
    action_ids: list[ActionId] = Field(default_factory=list, max_length=100)
    live_source: LiveSource | None = None
