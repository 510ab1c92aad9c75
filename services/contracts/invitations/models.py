"""An invitation a city issued to one of its partners; only the hash of its code is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime


class PartnerInvitation(Base, table=True):
    """A one-time code, valid until it expires, is accepted once, or is revoked."""

    __tablename__ = "partner_invitations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", index=True)
    city: str = Field(max_length=64, index=True)
    email: str | None = Field(default=None, max_length=254)
    # SHA-256 of the code: the code has 192 random bits, so a fast hash is enough.
    code_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
