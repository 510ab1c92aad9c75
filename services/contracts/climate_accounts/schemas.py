"""Request and response bodies of climate accounts and their trend."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.contracts.commitments.schemas import TonnesIn
from services.contracts.partners.schemas import WebAddress
from shared.jsontypes import JSONInt
from shared.quantities import TCO2e
from shared.text import StoredText

Gas = Literal["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"]
Verification = Literal["none", "self_declared", "third_party"]

SCOPE3_CATEGORIES: dict[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}


class Scope3In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: JSONInt = Field(ge=1, le=15, description="GHG Protocol scope 3 category, 1-15")
    tco2e: TonnesIn


class ClimateAccountIn(BaseModel):
    """A year's climate account as the partner reports it (GHG Protocol Corporate Standard)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scope1_tco2e: TonnesIn = Field(description="Direct emissions")
    scope2_location_tco2e: TonnesIn = Field(description="Purchased energy, location-based")
    scope2_market_tco2e: TonnesIn | None = Field(
        None, description="Purchased energy, market-based (guarantees of origin, residual mix)"
    )
    scope3: list[Scope3In] = Field(
        default_factory=list, max_length=15, description="The categories reported, once each"
    )
    gases: list[Gas] = Field(
        min_length=1,
        max_length=7,
        description="The gases accounted, each once",
        json_schema_extra={"uniqueItems": True},
    )
    method: StoredText = Field(
        min_length=1, max_length=200, examples=["GHG Protocol Corporate Standard"]
    )
    tool: StoredText | None = Field(None, max_length=200, examples=["Klimakost"])
    verification: Verification = "none"
    verifier: StoredText | None = Field(
        None, max_length=200, description="Who verified it (required for third_party)"
    )
    published: bool = Field(False, description="Published by the partner: readable by anyone")
    published_url: WebAddress | None = None


class Scope3Public(BaseModel):
    category: int
    name: str
    tco2e: TCO2e


class ClimateAccountPublic(BaseModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    year: int
    scope1_tco2e: TCO2e
    scope2_location_tco2e: TCO2e
    scope2_market_tco2e: TCO2e | None
    scope3: list[Scope3Public]
    scope3_tco2e: TCO2e = Field(description="Sum of the categories reported")
    total_tco2e: TCO2e = Field(description="Scope 1 + scope 2 location-based + scope 3")
    total_market_tco2e: TCO2e | None = Field(
        description="Scope 1 + scope 2 market-based + scope 3, when market-based is reported"
    )
    gases: list[Gas]
    method: str
    tool: str | None
    verification: Verification
    verifier: str | None
    published: bool
    published_url: str | None
    reported_by: str
    reported_at: datetime


TrendStatus = Literal["on_course", "behind", "nothing_due", "no_data"]


class CommitmentDue(BaseModel):
    commitment_id: uuid.UUID
    mou_id: uuid.UUID
    description: str
    due_by: date
    expected_tco2e: TCO2e


class TrendYear(BaseModel):
    year: int
    total_tco2e: TCO2e | None = Field(description="None: no account (visible to you) this year")
    reduction_since_base_tco2e: TCO2e | None = Field(description="Base year's total minus this")
    committed_reduction_due_tco2e: TCO2e = Field(
        description="Expected cuts of the commitments due by the end of this year"
    )
    committed_path_tco2e: TCO2e | None = Field(
        description="Base year's total minus the committed cuts due (never below zero)"
    )
    status: TrendStatus = Field(
        description="no_data without an account; nothing_due before any commitment is due; "
        "on_course when the total is at or below the committed path; behind otherwise"
    )
    comparable_with_base: bool | None = Field(
        description="False when the scope 3 categories reported differ from the base year's"
    )
    scope3_categories: list[int]


class ClimateAccountTrend(BaseModel):
    partner_id: uuid.UUID
    city: str
    base_year: int | None = Field(description="The first year with an account")
    base_total_tco2e: TCO2e | None
    includes_unpublished: bool = Field(
        description="True when the caller may see the partner's unpublished accounts"
    )
    commitments: list[CommitmentDue] = Field(
        description="Commitments of the partner's signed, active and reported MoUs"
    )
    years: list[TrendYear]
    method: str
