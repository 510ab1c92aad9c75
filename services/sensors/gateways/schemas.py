from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.sensors.fields import Text
from shared.cities import CitySlugField
from shared.jsontypes import JSONInt

GatewayStatus = Literal["active", "disabled"]
KeyState = Literal["active", "expiring", "expired", "revoked"]
MAX_GRACE_PERIOD_S = 30 * 86400


class GatewayCreate(BaseModel):
    city: CitySlugField
    name: Text = Field(min_length=1, max_length=200)


class GatewayUpdate(BaseModel):
    """Fields to change; a disabled gateway's keys are all refused until it is active again."""

    name: Text | None = Field(None, min_length=1, max_length=200)
    status: GatewayStatus | None = None


class GatewayPublic(BaseModel):
    id: str
    city: str
    name: str
    status: str
    created_at: datetime


class GatewayWithKey(GatewayPublic):
    """Returned once, at registration: the API key is not stored and cannot be shown again."""

    api_key: str = Field(description="Send as the X-Api-Key header; shown only this once")


class KeyPublic(BaseModel):
    """An API key's public part and lifetime; its secret is never shown again."""

    id: str = Field(description="The public key id: the part between 'kgw_' and '.'")
    gateway_id: str
    state: KeyState
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyRotation(BaseModel):
    grace_period_s: JSONInt = Field(
        86_400,
        ge=0,
        le=MAX_GRACE_PERIOD_S,
        description="How long the gateway's current keys stay valid beside the new one",
    )


class RotatedKey(BaseModel):
    """The new key (shown once) and the keys it replaces, with the end of their grace period."""

    api_key: str = Field(description="Send as the X-Api-Key header; shown only this once")
    key: KeyPublic
    previous_keys: list[KeyPublic]
