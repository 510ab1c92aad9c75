"""What the built-in issuer's API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.cities import CitySlugField
from shared.text import StoredText

# What a municipal app may be: never a platform admin (that stays with people).
ServiceAccountRole = Literal["city_admin", "city_editor", "reader", "subscriber"]


class ServiceAccountCreate(BaseModel):
    name: StoredText = Field(min_length=1, max_length=200, description="Shown in audit trails")
    role: ServiceAccountRole
    city: CitySlugField | None = Field(
        None, description="The city it acts for (required for city_admin and city_editor)"
    )


class ServiceAccountPublic(BaseModel):
    client_id: str
    name: str
    role: str
    city: str | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None


class ServiceAccountCreated(ServiceAccountPublic):
    client_secret: str = Field(description="Shown once; exchange it at the token endpoint")
    token_endpoint: str


class TokenAnswer(BaseModel):
    """RFC 6749 section 5.1."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class RevocationCreate(BaseModel):
    jti: StoredText = Field(min_length=1, max_length=200, description="The token's id (jti)")
    expires_at: datetime | None = Field(
        None, description="When the token expires anyway (the entry is dropped then)"
    )
    reason: StoredText | None = Field(None, max_length=500)


class RevocationPublic(BaseModel):
    jti: str
    expires_at: datetime | None
    revoked_at: datetime
    revoked_by: str
    reason: str | None


class RevokedTokenId(BaseModel):
    jti: str
    expires_at: datetime | None


class RevocationList(BaseModel):
    """The deny list every service polls (token ids are no secret: one cannot act with one)."""

    revoked: list[RevokedTokenId]


class SigningKeyPublic(BaseModel):
    kid: str
    created_at: str
    signing: bool = Field(description="The key new tokens are signed with")


class KeyRotation(BaseModel):
    retire_previous: bool = Field(
        False,
        description="Drop the previous keys at once: their tokens are refused as soon as each "
        "service refreshes the JWKS",
    )
