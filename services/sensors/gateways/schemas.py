from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.events.payloads import CitySlug


class GatewayCreate(BaseModel):
    city: CitySlug
    name: str = Field(min_length=1, max_length=200)


class GatewayPublic(BaseModel):
    id: str
    city: str
    name: str
    status: str
    created_at: datetime


class GatewayWithKey(GatewayPublic):
    """Returned once, at registration: the API key is not stored and cannot be shown again."""

    api_key: str = Field(description="Send as the X-Api-Key header; shown only this once")
