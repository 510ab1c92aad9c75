"""The built-in issuer's records: service accounts of municipal apps, the tokens issued to them,
and the deny list of revoked token ids (of any trusted issuer)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class ServiceAccount(Base, table=True):
    """A municipal app's client credentials (OAuth 2.0 client credentials grant)."""

    __tablename__ = "service_accounts"

    client_id: str = Field(primary_key=True, max_length=64)
    # SHA-256 of a 256-bit random secret: a slow hash adds nothing against brute force there.
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    city: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_by: str | None = Field(default=None, max_length=200)


class IssuedToken(Base, table=True):
    """A token the token endpoint gave a service account: disabling the account revokes its
    tokens still valid."""

    __tablename__ = "issued_tokens"

    jti: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=64, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class RevokedToken(Base, table=True):
    """One revoked token id; every service refuses the token within about a second."""

    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, max_length=200)
    # When the token would have expired anyway: the entry is no longer needed after that
    # (NULL: kept until removed).
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    revoked_at: datetime = Field(sa_type=UTCDateTime)
    revoked_by: str = Field(max_length=200)
    reason: str | None = Field(default=None, max_length=500)
