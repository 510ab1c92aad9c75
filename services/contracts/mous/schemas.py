"""Request and response bodies of the MoU API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.contracts.commitments.schemas import (
    CommitmentCreate,
    CommitmentPublic,
    SectorReductionPublic,
)
from services.contracts.partners.schemas import WebAddress
from shared.events.payloads import MouState, MouTier, SignatureSide
from shared.quantities import TCO2e
from shared.text import StoredText

TIER_DESCRIPTION = (
    "Signatory tier as in the CCCs: 'partner' commits actions or investment (at least one "
    "commitment before signing); 'supporter' backs the mission without commitments of its own"
)


class MouCreate(BaseModel):
    """An MoU to propose to a registered partner, for the partner's city (city credential)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: uuid.UUID
    title: StoredText = Field(min_length=1, max_length=300)
    tier: MouTier = Field("partner", description=TIER_DESCRIPTION)
    period_start: date
    period_end: date = Field(description="Last day of the MoU's period (not before its start)")
    text: StoredText | None = Field(None, max_length=100_000, description="The MoU's text")
    document_url: WebAddress | None = Field(
        None, description="Or a reference to the signed document (http or https)"
    )
    commitments: list[CommitmentCreate] = Field(default_factory=list, max_length=100)


class MouSign(BaseModel):
    """Who signed for one side, and on which day. The side is the credential's: a partner
    token signs for the partner, a city (or admin) token for the city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    signatory: StoredText = Field(min_length=1, max_length=200, description="The person")
    signed_on: date
    side: SignatureSide | None = Field(
        None, description="Optional: the side the caller means to sign (checked against it)"
    )


class MouTransitionRequest(BaseModel):
    """A step along the lifecycle after signing; ``renewed`` opens the continuing MoU."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Literal["active", "reported", "renewed", "ended", "signed", "proposed"] = Field(
        description="active, reported, renewed or ended (signed comes from the signatures)"
    )
    note: StoredText | None = Field(None, max_length=2000)
    period_start: date | None = Field(None, description="For 'renewed': the new period's start")
    period_end: date | None = Field(None, description="For 'renewed': the new period's end")


class SignaturePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    side: SignatureSide
    signatory: str
    signed_on: date
    signed_by: str = Field(description="The credential (token subject) that recorded it")
    signed_at: datetime


class TransitionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: MouState | None
    to_status: MouState
    note: str | None
    changed_by: str
    changed_at: datetime


class MouPublic(BaseModel):
    """An MoU with its signatures, commitments and history."""

    id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    title: str
    tier: MouTier
    text: str | None
    document_url: str | None
    period_start: date | None = Field(description="None only for MoUs migrated without one")
    period_end: date | None
    status: MouState
    proposed_by: str | None
    proposed_at: datetime
    signed_at: datetime | None = Field(description="When both sides had signed")
    signatures: list[SignaturePublic]
    awaiting_signature_of: list[SignatureSide] = Field(
        description="Sides still to sign while proposed"
    )
    commitments: list[CommitmentPublic]
    expected_reductions: list[SectorReductionPublic] = Field(
        description="The commitments' expected cuts summed per GPC sector"
    )
    expected_tco2e: TCO2e
    renews_mou_id: uuid.UUID | None
    renewed_by_mou_id: uuid.UUID | None
    history: list[TransitionPublic]
