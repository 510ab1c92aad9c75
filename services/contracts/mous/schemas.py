"""Request and response bodies of the MoU API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.contracts.mous.models import MouStatus
from shared.text import StoredText


class MouCreate(BaseModel):
    """An MoU to draft with a registered partner, for the partner's city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: uuid.UUID
    title: StoredText = Field(min_length=1, max_length=300)


class MouSign(BaseModel):
    """Who signed the MoU on the partner's behalf, and on which day."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    signatory: StoredText = Field(min_length=1, max_length=200)
    signed_on: date


class MouPublic(BaseModel):
    """An MoU, drafted or signed."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    title: str
    status: MouStatus
    signatory: str | None
    signed_on: date | None
    drafted_at: datetime
    signed_at: datetime | None
