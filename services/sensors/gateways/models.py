"""Gateways and their API keys. A key is shown once and stored only as a SHA-256 hash: keys
are 256-bit random, so a fast hash is safe and keeps the check off the request's hot path."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.sensors.db import Base
from shared.db import UTCDateTime


class Gateway(Base, table=True):
    __tablename__ = "gateways"

    id: str = Field(primary_key=True, max_length=40)
    city: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16, description="active or disabled")
    created_at: datetime = Field(sa_type=UTCDateTime)


class GatewayKey(Base, table=True):
    """One API key of a gateway; several may be valid at once during a rotation."""

    __tablename__ = "gateway_keys"

    id: str = Field(primary_key=True, max_length=40, description="Public key id (prefix)")
    gateway_id: str = Field(foreign_key="gateways.id", index=True, max_length=40)
    secret_sha256: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
