"""The investment plan as entered (costs and funding per action and year) and as computed
(the funding gap per action, partner and year)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.contracts.actions.schemas import ActionId, Text, Year
from services.contracts.investment.money import Nok, SignedNok
from shared.text import StoredText

FundingType = Literal[
    "municipal_budget",
    "state_grant_klimasats",
    "state_grant_enova",
    "state_grant_other",
    "horizon_europe",
    "eu_other",
    "private_capital",
    "loan",
    "other",
]
FundingStatus = Literal["committed", "applied_for"]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class YearCost(BaseModel):
    """What the action costs in one year: investment (capex) and running cost (opex)."""

    model_config = _STRICT

    year: Year
    capex_nok: Nok = Decimal(0)
    opex_nok: Nok = Decimal(0)


class FundingSource(BaseModel):
    """Money for an action in one year from one source; committed, or applied for."""

    model_config = _STRICT

    year: Year
    type: FundingType
    funder: Annotated[StoredText, Field(min_length=1, max_length=200)] = Field(
        description="Who pays: the municipality, Enova, the Commission, a bank, a partner …"
    )
    amount_nok: Nok
    status: FundingStatus


class ActionInvestment(BaseModel):
    """The costing and funding of one action."""

    model_config = _STRICT

    action_id: ActionId
    costs: list[YearCost] = Field(default_factory=list, max_length=100)
    funding: list[FundingSource] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _one_cost_per_year(self) -> ActionInvestment:
        years = [c.year for c in self.costs]
        if len(years) != len(set(years)):
            raise ValueError("one cost line per year")
        return self


class InvestmentPlan(BaseModel):
    """The CCC's investment plan: per action its costs and funding, and the plan's notes."""

    model_config = _STRICT

    actions: list[ActionInvestment] = Field(default_factory=list, max_length=500)
    public_and_private_capital: Text = ""
    cost_scenarios: Text = ""
    risks: Text = ""

    @model_validator(mode="after")
    def _one_entry_per_action(self) -> InvestmentPlan:
        ids = [a.action_id for a in self.actions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"actions listed twice: {', '.join(duplicates)}")
        return self


# --- computed ------------------------------------------------------------------------------


class GapCell(BaseModel):
    """Cost, funding and gap of one action, partner or total in one year (or all years)."""

    year: int | None = Field(description="None for the sum over all years")
    cost_nok: SignedNok
    committed_nok: SignedNok
    applied_for_nok: SignedNok
    gap_nok: SignedNok = Field(description="cost - committed, computed; never entered")


class ActionGap(BaseModel):
    action_id: str
    action_name: str
    responsible_partner_id: uuid.UUID | None
    years: list[GapCell]
    total: GapCell


class PartnerGap(BaseModel):
    """The gap of the actions a partner (or the municipality: id null) is responsible for."""

    responsible_partner_id: uuid.UUID | None
    action_ids: list[str]
    years: list[GapCell]
    total: GapCell


class FundingGapView(BaseModel):
    """The funding gap per action, per responsible partner and per year, from one table of
    (action, year) cells: every view sums the same cells, so they agree exactly."""

    city: str
    version: int
    money: str = "NOK as decimal strings with 2 places, summed as whole øre"
    by_action: list[ActionGap]
    by_partner: list[PartnerGap]
    by_year: list[GapCell]
    total: GapCell
