"""Settings of the contracts service (env prefix `CONTRACTS_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    service_name: ClassVar[str] = "contracts"
    default_port: ClassVar[int] = 8002

    partner_token_days: int = Field(
        365, ge=1, le=3650, description="How long a partner token from an invitation is valid"
    )
