"""Request and response bodies of stakeholder commitments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.contracts.commitments.models import Commitment
from shared.events.payloads import GpcSector
from shared.jsontypes import JSONIntegerCheck
from shared.quantities import TCO2e, tco2e_from_mg
from shared.text import StoredText

GPC_SECTORS: tuple[GpcSector, ...] = ("I", "II", "III", "IV", "V")
TonnesIn = Annotated[
    Decimal,
    Field(
        ge=0,
        le=10**9,
        decimal_places=9,
        description="Tonnes CO2e per year, at most 9 decimal places (a number or a string)",
        examples=["9500"],
    ),
]


class SectorReductionIn(BaseModel):
    """The yearly cut expected in one GPC sector of the city (I stationary energy, II
    transport, III waste, IV IPPU, V AFOLU)."""

    model_config = ConfigDict(extra="forbid")

    sector: GpcSector
    tco2e: TonnesIn


class SectorReductionPublic(BaseModel):
    sector: GpcSector
    tco2e: TCO2e


class CommitmentCreate(BaseModel):
    """A commitment of the partner: an action it carries out or an investment it makes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["action", "investment"] = "action"
    description: StoredText = Field(
        min_length=1, max_length=2000, description="What the partner will do"
    )
    due_by: date = Field(description="By when")
    investment_nok: Annotated[int, Field(ge=0, le=10**13), JSONIntegerCheck] | None = Field(
        None, description="For an investment: its amount in NOK"
    )
    expected_reductions: list[SectorReductionIn] = Field(
        default_factory=list, max_length=5, description="At most one entry per GPC sector"
    )


class CommitmentPublic(BaseModel):
    id: uuid.UUID
    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    kind: Literal["action", "investment"]
    description: str
    due_by: date
    investment_nok: int | None
    expected_reductions: list[SectorReductionPublic]
    expected_tco2e: TCO2e = Field(description="Sum over the sectors")
    created_by: str
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, c: Commitment) -> CommitmentPublic:
        reductions = [
            SectorReductionPublic(sector=s, tco2e=tco2e_from_mg(c.expected_reductions_mg[s]))
            for s in GPC_SECTORS
            if s in c.expected_reductions_mg
        ]
        return cls(
            id=c.id,
            mou_id=c.mou_id,
            partner_id=c.partner_id,
            city=c.city,
            kind=c.kind,
            description=c.description,
            due_by=c.due_by,
            investment_nok=c.investment_nok,
            expected_reductions=reductions,
            expected_tco2e=tco2e_from_mg(sum(c.expected_reductions_mg.values())),
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
