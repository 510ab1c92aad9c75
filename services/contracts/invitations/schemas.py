"""Request and response bodies of the invitations API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.contracts.partners.schemas import Email
from shared.jsontypes import JSONInt
from shared.text import StoredText

InvitationStatus = Literal["pending", "accepted", "expired", "revoked"]


class InvitationCreate(BaseModel):
    """An invitation to issue; the city passes the code on to the partner (e.g. by e-mail)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email | None = Field(None, description="Where the city sends the code (a note)")
    valid_days: JSONInt = Field(14, ge=1, le=90, description="Days until the code expires")


class InvitationPublic(BaseModel):
    """An invitation, without its code."""

    id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    email: str | None
    status: InvitationStatus
    created_by: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationIssued(InvitationPublic):
    """A new invitation: its one-time code is in this answer and nowhere else, ever."""

    code: str = Field(description="The one-time code; give it to the partner, it is not kept")


class InvitationAccept(BaseModel):
    """The code a partner got from its city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: StoredText = Field(min_length=1, max_length=200)


class PartnerCredentials(BaseModel):
    """The partner's own bearer token (role ``partner``); keep it secret."""

    partner_id: uuid.UUID
    city: str
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: AwareDatetime
    subject: str = Field(description="Who the token says it is, in every record it signs")
